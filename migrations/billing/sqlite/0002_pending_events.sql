-- Webhook events parked because their Stripe customer is not linked to a user yet (Stripe does
-- not deliver in order: an invoice can arrive before the checkout session that names the user).
-- The event id is also in stripe_events (outcome 'parked'), so a redelivery stays a no-op.
-- When the customer gets linked, its rows are deleted and applied in the same transaction, in
-- `created` order; rows nobody links are deleted after pending_event_ttl_seconds ('expired').
CREATE TABLE stripe_pending_events (
  id TEXT PRIMARY KEY,
  "customerId" TEXT NOT NULL,
  type TEXT NOT NULL,
  created BIGINT NOT NULL,
  payload TEXT NOT NULL,
  "receivedAt" TEXT NOT NULL
);
CREATE INDEX stripe_pending_events_customer_idx ON stripe_pending_events ("customerId", created, id);
CREATE INDEX stripe_pending_events_received_idx ON stripe_pending_events ("receivedAt");
