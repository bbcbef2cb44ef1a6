-- The same rules, checked more cheaply on every write of the event path. PostgreSQL 15 reads a
-- table's CHECK constraints back from their stored node text and plans them again for every
-- INSERT or UPDATE statement; an IN list is stored as one node per value, an array constant as
-- one node. Values and constraint names are unchanged.
-- Each re-added CHECK scans its table under an ACCESS EXCLUSIVE lock, so webhook deliveries and
-- app writes to these tables wait until the migration commits (about a second per million rows).
-- It gives up after 15 s of waiting for a lock rather than queue them behind a long transaction.
-- depends: 0007-checkout-stripe-attempt

SET LOCAL lock_timeout = '15s';

ALTER TABLE payments.webhook_events
DROP CONSTRAINT webhook_events_status_check,
ADD CONSTRAINT webhook_events_status_check
CHECK (status = any('{received,processed,ignored,failed}'::text[])),
DROP CONSTRAINT webhook_events_source_check,
ADD CONSTRAINT webhook_events_source_check
CHECK (source = any('{webhook,cli,backfill,sync,replay}'::text[]));

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
