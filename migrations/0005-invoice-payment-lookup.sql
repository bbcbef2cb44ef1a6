-- Indexes stored invoice_payment events by invoice (an invoice learns its payment intent from them),
-- adds the payment_history lookups the projections need and team_billing_status.access_until, drops
-- retired functions and the unused object-id index, and compresses Stripe snapshots with lz4.
-- Plain CREATE INDEX: a write lock on webhook_events and payment_history while each index builds.
-- depends: 0004-fulfilment-settings

CREATE INDEX webhook_events_invoice_payment_idx
ON payments.webhook_events (environment, ((payload -> 'data' -> 'object' ->> 'invoice')))
WHERE type LIKE 'invoice_payment.%';

DROP FUNCTION IF EXISTS payments.event_lock_key(jsonb);
-- Replaced by payments.payment_lines(payment_history) and payment_credits(text, jsonb).
DROP FUNCTION IF EXISTS payments.payment_credits(payments.payment_history);
DROP FUNCTION IF EXISTS payments.payment_line_items(payments.payment_history);

-- Nothing looks events up by object id: the index only slowed every ingest down.
DROP INDEX IF EXISTS payments.webhook_events_object_idx;

-- Refunds and disputes are found by their payment's intent or charge, invoices by their intent.
-- Small partial indexes: the planner picks them even while its statistics are young.
CREATE INDEX payment_history_children_intent_idx
ON payments.payment_history (environment, stripe_payment_intent_id)
WHERE type IN ('refund', 'dispute');
CREATE INDEX payment_history_children_charge_idx
ON payments.payment_history (environment, stripe_charge_id)
WHERE type IN ('refund', 'dispute');
CREATE INDEX payment_history_invoice_intent_idx
ON payments.payment_history (environment, stripe_payment_intent_id)
WHERE type = 'subscription_invoice';

-- Payments of a subscription, and rows still waiting for a subject (found when their customer
-- mapping arrives).
CREATE INDEX payment_history_subscription_idx
ON payments.payment_history (environment, stripe_subscription_id)
WHERE stripe_subscription_id IS NOT NULL;
CREATE INDEX payment_history_unassigned_customer_idx
ON payments.payment_history (environment, stripe_customer_id)
WHERE subject_type IS NULL AND stripe_customer_id IS NOT NULL;

-- Subscriptions on a price or product (a late or changed catalog item re-projects them).
CREATE INDEX subscription_items_price_idx ON payments.subscription_items (environment, stripe_price_id);
CREATE INDEX subscription_items_product_idx ON payments.subscription_items (environment, stripe_product_id);

-- When a group's access ends unless another event arrives (past-due grace, cancel at period end).
ALTER TABLE public.team_billing_status ADD COLUMN access_until timestamptz;

-- Mirror rows are rewritten by most events about them: room in each page lets PostgreSQL update
-- them in place (HOT, no index maintenance). Applies to pages written from now on.
ALTER TABLE payments.payment_history SET (fillfactor = 70);
ALTER TABLE payments.subscriptions SET (fillfactor = 70);
ALTER TABLE payments.subscription_items SET (fillfactor = 80);
ALTER TABLE payments.checkout_sessions SET (fillfactor = 80);
ALTER TABLE payments.customers SET (fillfactor = 80);
ALTER TABLE public.orders SET (fillfactor = 80);
ALTER TABLE public.team_billing_status SET (fillfactor = 80);

-- Stripe snapshots are large JSON: lz4 compresses them several times faster than the default pglz.
-- Only where the server was built with lz4; existing values keep their compression until rewritten.
DO $compression$
BEGIN
    IF EXISTS (
        SELECT FROM pg_catalog.pg_settings AS s
        WHERE s.name = 'default_toast_compression' AND 'lz4' = ANY(s.enumvals)
    ) THEN
        ALTER TABLE payments.webhook_events ALTER COLUMN payload SET COMPRESSION lz4;
        ALTER TABLE payments.payment_history ALTER COLUMN raw SET COMPRESSION lz4;
        ALTER TABLE payments.subscriptions ALTER COLUMN raw SET COMPRESSION lz4;
        ALTER TABLE payments.subscription_items ALTER COLUMN raw SET COMPRESSION lz4;
        ALTER TABLE payments.checkout_sessions ALTER COLUMN raw SET COMPRESSION lz4;
        ALTER TABLE payments.customers ALTER COLUMN raw SET COMPRESSION lz4;
        ALTER TABLE payments.products ALTER COLUMN raw SET COMPRESSION lz4;
        ALTER TABLE payments.prices ALTER COLUMN raw SET COMPRESSION lz4;
    END IF;
END
$compression$;
