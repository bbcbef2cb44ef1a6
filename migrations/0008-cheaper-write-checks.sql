-- The same rules, checked more cheaply on every write of the event path. PostgreSQL 15 reads a
-- table's CHECK constraints back from their stored node text and plans them again for every
-- INSERT or UPDATE statement; an IN list is stored as one node per value, an array constant as
-- one node. The ledger's rules become domains, whose checks PostgreSQL keeps planned per session
-- (no PL/pgSQL row variable of webhook_events exists, which would check them on every assignment).
-- Values and constraint names are unchanged; domain violations are check_violation (23514) too.
-- depends: 0007-checkout-stripe-attempt

-- Bare domains first: changing a column to a domain without constraints is a catalog change (no
-- table rewrite); adding the domain's constraint then only scans the table to validate it.
CREATE DOMAIN payments.stripe_event_id AS text;
CREATE DOMAIN payments.webhook_event_status AS text;
CREATE DOMAIN payments.webhook_event_source AS text;
CREATE DOMAIN payments.attempt_count AS integer;

ALTER TABLE payments.webhook_events
DROP CONSTRAINT webhook_events_stripe_event_id_check,
DROP CONSTRAINT webhook_events_status_check,
DROP CONSTRAINT webhook_events_source_check,
DROP CONSTRAINT webhook_events_attempts_check,
ALTER COLUMN stripe_event_id TYPE payments.stripe_event_id,
ALTER COLUMN status TYPE payments.webhook_event_status,
ALTER COLUMN source TYPE payments.webhook_event_source,
ALTER COLUMN attempts TYPE payments.attempt_count;

ALTER DOMAIN payments.stripe_event_id
ADD CONSTRAINT webhook_events_stripe_event_id_check CHECK (value ~ '^evt_[A-Za-z0-9_]+$');
ALTER DOMAIN payments.webhook_event_status
ADD CONSTRAINT webhook_events_status_check
CHECK (value = any('{received,processed,ignored,failed}'::text[]));
ALTER DOMAIN payments.webhook_event_source
ADD CONSTRAINT webhook_events_source_check
CHECK (value = any('{webhook,cli,backfill,sync,replay}'::text[]));
ALTER DOMAIN payments.attempt_count
ADD CONSTRAINT webhook_events_attempts_check CHECK (value >= 0);

COMMENT ON DOMAIN payments.stripe_event_id IS 'A Stripe event id (evt_...).';
COMMENT ON DOMAIN payments.webhook_event_status IS
'Where an event stands in the ledger: received, processed, ignored or failed.';
COMMENT ON DOMAIN payments.webhook_event_source IS
'How an event reached the ledger: webhook, cli, backfill, sync or replay.';
COMMENT ON DOMAIN payments.attempt_count IS 'A count of processing attempts (never negative).';

ALTER TABLE payments.payment_history
DROP CONSTRAINT payment_history_type_check,
ADD CONSTRAINT payment_history_type_check
CHECK (type = any('{one_time_payment,subscription_invoice,refund,dispute}'::text[])),
DROP CONSTRAINT payment_history_status_check,
ADD CONSTRAINT payment_history_status_check CHECK (status = any(
    '{pending,requires_action,succeeded,failed,canceled,refunded,partially_refunded,disputed,won,lost,void,uncollectible}'::text[]
));

ALTER TABLE payments.subscriptions
DROP CONSTRAINT subscriptions_status_check,
ADD CONSTRAINT subscriptions_status_check CHECK (status = any(
    '{incomplete,incomplete_expired,trialing,active,past_due,canceled,unpaid,paused}'::text[]
));

ALTER TABLE payments.checkout_sessions
DROP CONSTRAINT checkout_sessions_mode_check,
ADD CONSTRAINT checkout_sessions_mode_check
CHECK (mode = any('{payment,subscription,setup}'::text[])),
DROP CONSTRAINT checkout_sessions_status_check,
ADD CONSTRAINT checkout_sessions_status_check
CHECK (status = any('{pending,open,complete,expired,failed}'::text[])),
DROP CONSTRAINT checkout_sessions_payment_status_check,
ADD CONSTRAINT checkout_sessions_payment_status_check
CHECK (payment_status = any('{paid,unpaid,no_payment_required}'::text[]));

ALTER TABLE payments.stripe_customer_mappings
DROP CONSTRAINT stripe_customer_mappings_source_check,
ADD CONSTRAINT stripe_customer_mappings_source_check
CHECK (source = any('{checkout,metadata,runtime,sync,manual}'::text[]));

ALTER TABLE payments.prices
DROP CONSTRAINT prices_type_check,
ADD CONSTRAINT prices_type_check CHECK (type = any('{one_time,recurring}'::text[])),
DROP CONSTRAINT prices_recurring_interval_check,
ADD CONSTRAINT prices_recurring_interval_check
CHECK (recurring_interval = any('{day,week,month,year}'::text[]));

ALTER TABLE public.orders
DROP CONSTRAINT orders_status_check,
ADD CONSTRAINT orders_status_check CHECK (status = any(
    '{pending,paid,failed,refunded,disputed,fulfilled,canceled}'::text[]
));

ALTER TABLE public.credit_ledger
DROP CONSTRAINT credit_ledger_kind_check,
ADD CONSTRAINT credit_ledger_kind_check
CHECK (kind = any('{grant,reversal,restore,spend,adjustment}'::text[]));

ALTER TABLE public.user_entitlements
DROP CONSTRAINT user_entitlements_source_type_check,
ADD CONSTRAINT user_entitlements_source_type_check
CHECK (source_type = any('{subscription,one_time_payment}'::text[]));
