-- Billing: Stripe customers and subscriptions, the credit ledger, processed webhook events.
-- Timestamps are ISO-8601 UTC text; Stripe's unix seconds are kept only where ordering needs them.

-- One Stripe customer per user, created on the first subscription attempt and reused after.
CREATE TABLE "StripeCustomer" (
  "userId" TEXT PRIMARY KEY REFERENCES "User"(id) ON DELETE CASCADE,
  "customerId" TEXT NOT NULL UNIQUE,
  "createdAt" TEXT NOT NULL
);

-- One row per Stripe subscription (id = sub_...). Create and update are upserts on id.
-- "lastEventAt" is the `created` second of the webhook event that last wrote the row, so an
-- older event delivered late never overwrites newer state.
CREATE TABLE "Subscription" (
  id TEXT PRIMARY KEY,
  "userId" TEXT NOT NULL REFERENCES "User"(id) ON DELETE CASCADE,
  "customerId" TEXT NOT NULL,
  plan TEXT NOT NULL,
  "priceId" TEXT NOT NULL,
  "itemId" TEXT,
  status TEXT NOT NULL,
  "currentPeriodStart" TEXT,
  "currentPeriodEnd" TEXT,
  "cancelAtPeriodEnd" BOOLEAN NOT NULL DEFAULT false,
  "canceledAt" TEXT,
  "lastEventAt" BIGINT NOT NULL DEFAULT 0,
  "createdAt" TEXT NOT NULL,
  "updatedAt" TEXT NOT NULL
);
CREATE INDEX "Subscription_userId_idx" ON "Subscription" ("userId");
CREATE INDEX "Subscription_status_idx" ON "Subscription" (status);

-- The credit ledger: every change is a row and is never edited (a refund is a new row).
-- "reference" is unique, so an invoice, an annual month or an analysis run counts once.
CREATE TABLE "Transaction" (
  id BIGSERIAL PRIMARY KEY,
  "userId" TEXT NOT NULL REFERENCES "User"(id) ON DELETE CASCADE,
  type TEXT NOT NULL,
  amount BIGINT NOT NULL,
  "balanceAfter" BIGINT NOT NULL DEFAULT 0,
  reference TEXT NOT NULL UNIQUE,
  description TEXT NOT NULL DEFAULT '',
  "subscriptionId" TEXT,
  "createdAt" TEXT NOT NULL
);
CREATE INDEX "Transaction_userId_idx" ON "Transaction" ("userId", id);

-- The running sum of a user's "Transaction" amounts, kept in the same transaction as each row.
-- A conditional UPDATE on this row is what makes concurrent debits exact; CHECK is the backstop.
CREATE TABLE "CreditBalance" (
  "userId" TEXT PRIMARY KEY REFERENCES "User"(id) ON DELETE CASCADE,
  balance BIGINT NOT NULL CHECK (balance >= 0),
  "updatedAt" TEXT NOT NULL
);

-- Webhook events already handled. The primary key, written in the same transaction as the
-- event's effects, is what makes a redelivered event a no-op.
CREATE TABLE stripe_events (
  id TEXT PRIMARY KEY,
  type TEXT NOT NULL,
  created BIGINT NOT NULL,
  outcome TEXT NOT NULL,
  "receivedAt" TEXT NOT NULL
);
