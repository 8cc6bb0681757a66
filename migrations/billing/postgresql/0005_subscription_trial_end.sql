-- The end of a subscription's free trial (Stripe's trial_end) as ISO-8601 UTC text; NULL when
-- it has none. Written with the row by the same webhook event (so in the same order), shown as
-- trialEndsAt by GET /api/subscriptions/current.
ALTER TABLE "Subscription" ADD COLUMN "trialEnd" TEXT;
