-- The Stripe account whose subscriptions this database holds, one row per mode ('live',
-- 'test'), pinned by the first reconciliation that checked the secret key's account
-- (GET /v1/account), or by the configured account_id. A key of another account then stops
-- billing.reconcile_subscriptions instead of turning every 404 into a cancellation
-- (docs/billing.md, "Wrong key guard"). Per mode, because a Stripe sandbox can be an
-- account of its own. Delete the row to accept a deliberate move to another account.
CREATE TABLE stripe_account_pins (
  mode TEXT PRIMARY KEY,
  "accountId" TEXT NOT NULL,
  "pinnedAt" TEXT NOT NULL
);
