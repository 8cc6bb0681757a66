-- Each user's referral code, who claimed whose code, and invitations sent. Foreign keys to
-- "User"(id) are allowed; reading or writing "User" is not (the users service does that).
CREATE TABLE referral_codes (
  "userId" TEXT PRIMARY KEY REFERENCES "User"(id) ON DELETE CASCADE,
  code TEXT NOT NULL UNIQUE,
  "createdAt" TEXT NOT NULL
);
CREATE TABLE referral_claims (
  "referredId" TEXT PRIMARY KEY REFERENCES "User"(id) ON DELETE CASCADE,
  "referrerId" TEXT NOT NULL REFERENCES "User"(id) ON DELETE CASCADE,
  "createdAt" TEXT NOT NULL,
  "rewardedAt" TEXT
);
CREATE INDEX referral_claims_referrer_idx ON referral_claims ("referrerId");
CREATE TABLE referral_invites (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  "userId" TEXT NOT NULL REFERENCES "User"(id) ON DELETE CASCADE,
  email TEXT NOT NULL,
  "createdAt" TEXT NOT NULL
);
