-- Password-guessing throttles (core/auth/attempt_throttle.hpp): one row per (scope, subject),
-- scope 'login_account' (subject: the submitted email, lower-case), 'login_address' or
-- 'signup_address' (subject: the client address, IPv6 by its /64). Counted by one conditional
-- upsert, so every host sharing this database enforces the same limits exactly.
-- Times are the database clock's ISO-8601 UTC text; a row whose "expiresAt" has passed counts
-- as empty and is deleted by the next pruning pass. To lift a lock by hand:
--   DELETE FROM auth_throttle WHERE scope = 'login_account' AND subject = 'alice@example.com';
CREATE TABLE auth_throttle (
  scope TEXT NOT NULL,
  subject TEXT NOT NULL,
  attempts INTEGER NOT NULL,
  "windowEnd" TEXT NOT NULL,
  "lockedUntil" TEXT,
  "expiresAt" TEXT NOT NULL,
  "updatedAt" TEXT NOT NULL,
  PRIMARY KEY (scope, subject)
);
CREATE INDEX auth_throttle_expires_idx ON auth_throttle (scope, "expiresAt");
