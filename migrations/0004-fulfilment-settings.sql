-- Adds payments.settings (grace periods of the fulfilment rules) and the indexes the projections look up by.
-- New table; the indexes are built on small or new tables (brief lock on large ones: plain CREATE INDEX).
-- depends: 0002-app-fulfilment-tables

CREATE TABLE payments.settings (
    key text PRIMARY KEY CHECK (key ~ '^[a-z][a-z0-9_]{0,62}$'),
    value jsonb NOT NULL,
    description text,
    updated_at timestamptz NOT NULL DEFAULT now()
);

INSERT INTO payments.settings (key, value, description) VALUES
(
    'past_due_grace_period', '"3 days"'::jsonb,
    'How long a past_due subscription keeps access, counted from the start of its unpaid period.'
),
(
    'entitlement_grace_period', '"1 day"'::jsonb,
    'Added to a subscription''s period end to give user_entitlements.valid_until.'
);

ALTER TABLE payments.settings ENABLE ROW LEVEL SECURITY;
ALTER TABLE payments.settings FORCE ROW LEVEL SECURITY;

CREATE INDEX credit_ledger_payment_history_idx ON public.credit_ledger (payment_history_id)
WHERE payment_history_id IS NOT NULL;
CREATE INDEX user_entitlements_source_idx ON public.user_entitlements (environment, source_type, source_id);
CREATE INDEX checkout_sessions_order_idx ON payments.checkout_sessions (order_id)
WHERE order_id IS NOT NULL;
