-- Back to 0007: the IN lists of the CHECK constraints 0008 rewrote as array constants.
SET LOCAL lock_timeout = '15s';

ALTER TABLE payments.webhook_events
DROP CONSTRAINT webhook_events_status_check,
ADD CONSTRAINT webhook_events_status_check
CHECK (status IN ('received', 'processed', 'ignored', 'failed')),
DROP CONSTRAINT webhook_events_source_check,
ADD CONSTRAINT webhook_events_source_check
CHECK (source IN ('webhook', 'cli', 'backfill', 'sync', 'replay'));

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
