-- Bookkeeping of billing.reconcile_subscriptions (docs/billing.md, "Reconciliation with
-- Stripe's API"). ISO-8601 UTC text by the database clock, NULL until the first time.
-- "reconcileAttemptedAt": the job last tried to fetch the row (also when Stripe failed); the
-- due query takes the least recently tried first, so a row that keeps failing or keeps
-- disagreeing goes to the back of the queue instead of starving the others.
-- "lastReconciledAt": the job last got an answer from Stripe for the row; a row answered
-- within the last half interval is not fetched again (a row Stripe failed for is retried).
ALTER TABLE "Subscription" ADD COLUMN "reconcileAttemptedAt" TEXT;
ALTER TABLE "Subscription" ADD COLUMN "lastReconciledAt" TEXT;
