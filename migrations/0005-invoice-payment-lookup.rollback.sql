-- Drops the lookup indexes of 0005 and restores the object-id index (event_lock_key is not restored:
-- sql/ defines what it needs).
DROP INDEX IF EXISTS payments.webhook_events_invoice_payment_idx;
CREATE INDEX IF NOT EXISTS webhook_events_object_idx ON payments.webhook_events (environment, object_id);
DROP INDEX IF EXISTS payments.payment_history_children_intent_idx;
DROP INDEX IF EXISTS payments.payment_history_children_charge_idx;
DROP INDEX IF EXISTS payments.payment_history_invoice_intent_idx;
DROP INDEX IF EXISTS payments.payment_history_subscription_idx;
DROP INDEX IF EXISTS payments.subscription_items_price_idx;
DROP INDEX IF EXISTS payments.subscription_items_product_idx;
DROP INDEX IF EXISTS payments.payment_history_unassigned_customer_idx;
ALTER TABLE public.team_billing_status DROP COLUMN IF EXISTS access_until;
ALTER TABLE payments.payment_history RESET (fillfactor);
ALTER TABLE payments.subscriptions RESET (fillfactor);
ALTER TABLE payments.subscription_items RESET (fillfactor);
ALTER TABLE payments.checkout_sessions RESET (fillfactor);
ALTER TABLE payments.customers RESET (fillfactor);
ALTER TABLE public.orders RESET (fillfactor);
ALTER TABLE public.team_billing_status RESET (fillfactor);
