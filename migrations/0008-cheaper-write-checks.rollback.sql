-- Back to 0007: webhook_events' rules as table CHECK constraints, IN lists in the others.
ALTER TABLE payments.webhook_events
ALTER COLUMN stripe_event_id TYPE text,
ALTER COLUMN status TYPE text,
ALTER COLUMN source TYPE text,
ALTER COLUMN attempts TYPE integer,
ADD CONSTRAINT webhook_events_stripe_event_id_check CHECK (stripe_event_id ~ '^evt_[A-Za-z0-9_]+$'),
ADD CONSTRAINT webhook_events_status_check
CHECK (status IN ('received', 'processed', 'ignored', 'failed')),
ADD CONSTRAINT webhook_events_attempts_check CHECK (attempts >= 0),
ADD CONSTRAINT webhook_events_source_check
CHECK (source IN ('webhook', 'cli', 'backfill', 'sync', 'replay'));

DROP DOMAIN IF EXISTS payments.stripe_event_id;
DROP DOMAIN IF EXISTS payments.webhook_event_status;
DROP DOMAIN IF EXISTS payments.webhook_event_source;
DROP DOMAIN IF EXISTS payments.attempt_count;

ALTER TABLE payments.payment_history
DROP CONSTRAINT payment_history_type_check,
ADD CONSTRAINT payment_history_type_check
CHECK (type IN ('one_time_payment', 'subscription_invoice', 'refund', 'dispute')),
DROP CONSTRAINT payment_history_status_check,
ADD CONSTRAINT payment_history_status_check CHECK (status IN (
    'pending', 'requires_action', 'succeeded', 'failed', 'canceled', 'refunded',
    'partially_refunded', 'disputed', 'won', 'lost', 'void', 'uncollectible'
));

ALTER TABLE payments.subscriptions
DROP CONSTRAINT subscriptions_status_check,
ADD CONSTRAINT subscriptions_status_check CHECK (status IN (
    'incomplete', 'incomplete_expired', 'trialing', 'active', 'past_due', 'canceled', 'unpaid',
    'paused'
));

ALTER TABLE payments.checkout_sessions
DROP CONSTRAINT checkout_sessions_mode_check,
ADD CONSTRAINT checkout_sessions_mode_check CHECK (mode IN ('payment', 'subscription', 'setup')),
DROP CONSTRAINT checkout_sessions_status_check,
ADD CONSTRAINT checkout_sessions_status_check
CHECK (status IN ('pending', 'open', 'complete', 'expired', 'failed')),
DROP CONSTRAINT checkout_sessions_payment_status_check,
ADD CONSTRAINT checkout_sessions_payment_status_check
CHECK (payment_status IN ('paid', 'unpaid', 'no_payment_required'));

ALTER TABLE payments.stripe_customer_mappings
DROP CONSTRAINT stripe_customer_mappings_source_check,
ADD CONSTRAINT stripe_customer_mappings_source_check
CHECK (source IN ('checkout', 'metadata', 'runtime', 'sync', 'manual'));

ALTER TABLE payments.prices
DROP CONSTRAINT prices_type_check,
ADD CONSTRAINT prices_type_check CHECK (type IN ('one_time', 'recurring')),
DROP CONSTRAINT prices_recurring_interval_check,
ADD CONSTRAINT prices_recurring_interval_check
CHECK (recurring_interval IN ('day', 'week', 'month', 'year'));

ALTER TABLE public.orders
DROP CONSTRAINT orders_status_check,
ADD CONSTRAINT orders_status_check CHECK (status IN (
    'pending', 'paid', 'failed', 'refunded', 'disputed', 'fulfilled', 'canceled'
));

ALTER TABLE public.credit_ledger
DROP CONSTRAINT credit_ledger_kind_check,
ADD CONSTRAINT credit_ledger_kind_check
CHECK (kind IN ('grant', 'reversal', 'restore', 'spend', 'adjustment'));

ALTER TABLE public.user_entitlements
DROP CONSTRAINT user_entitlements_source_type_check,
ADD CONSTRAINT user_entitlements_source_type_check
CHECK (source_type IN ('subscription', 'one_time_payment'));
