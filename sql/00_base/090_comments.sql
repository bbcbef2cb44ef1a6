-- Documents every pgpay table in the catalog (psql \d+, PostgREST and Supabase show these).
COMMENT ON SCHEMA payments IS
'pgpay: operational mirror of Stripe state, fed only by verified webhook events and Stripe API sync.';
COMMENT ON TABLE payments.subject_types IS
'Known billing subject types: user plus group types. Insert a row to allow a new group type.';
COMMENT ON TABLE payments.webhook_events IS
'Ledger of every Stripe event received, one row per (environment, event id): status, attempts, payload.';
COMMENT ON COLUMN payments.webhook_events.status IS
'received while in flight; processed, ignored (type pgpay does not handle) or failed (see last_error).';
COMMENT ON TABLE payments.stripe_customer_mappings IS
'Which Stripe customer bills which subject. One customer per subject and one subject per customer; never moved.';
COMMENT ON TABLE payments.checkout_sessions IS
'Checkout sessions created through pgpay (inserted under the caller''s RLS context) or seen in webhooks.';
COMMENT ON COLUMN payments.checkout_sessions.request_hash IS
'Hash of the normalised request: a retry with the same idempotency key must match it.';
COMMENT ON TABLE payments.customer_portal_sessions IS
'Billing Portal sessions requested through pgpay, with the subject they were opened for.';
COMMENT ON TABLE payments.customers IS 'Mirror of Stripe customers.';
COMMENT ON TABLE payments.products IS 'Mirror of Stripe products (catalog).';
COMMENT ON TABLE payments.prices IS 'Mirror of Stripe prices (catalog).';
COMMENT ON TABLE payments.subscriptions IS
'Mirror of Stripe subscriptions with their subject; period dates from the subscription or its items.';
COMMENT ON TABLE payments.subscription_items IS 'Mirror of Stripe subscription items (price, quantity).';
COMMENT ON TABLE payments.payment_history IS
'One row per payment object: one-time payment (payment intent), subscription invoice, refund or dispute.';
COMMENT ON COLUMN payments.payment_history.amount IS 'Amount in minor units of currency (cents).';
COMMENT ON TABLE payments.connections IS
'Per environment: Stripe account, API key fingerprint (never the key), managed webhook endpoint, last sync.';
COMMENT ON COLUMN payments.connections.key_fingerprint IS
'First hex digits of the SHA-256 of the API key: tells keys apart without revealing them.';
COMMENT ON COLUMN payments.webhook_events.stripe_created IS 'The event''s created time as sent by Stripe.';
COMMENT ON TABLE public.orders IS
'App orders: pending until their one-time payment succeeds (verified webhook), then paid; the app sets fulfilled.';
COMMENT ON TABLE public.credit_ledger IS
'Append-only credit ledger per subject: grants, reversals, restores and spends, each with a unique source key.';
COMMENT ON TABLE public.user_entitlements IS
'What each user subject may use, derived from subscriptions and one-time purchases.';
COMMENT ON TABLE public.team_billing_status IS
'One row per group subject (team, organization, ...): plan, status, seats, period end and has_access.';
COMMENT ON COLUMN public.team_billing_status.has_access IS
'The access rule as of the last event about the group. Grant access when has_access and access_until is
NULL or still ahead: no event arrives when a past-due grace or a canceled period runs out.';
COMMENT ON COLUMN public.team_billing_status.access_until IS
'When access ends unless another event arrives (end of the past-due grace, or the period end of a
subscription set to cancel); NULL while access is open-ended or already over.';
