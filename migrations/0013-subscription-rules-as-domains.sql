-- The value rules of payments.subscriptions (status, stripe_subscription_id) as domains of its
-- columns: 0012 for the other table the event path writes most, and the reasons are the same. The
-- rules accept the same values and keep their names; the subject rule stays on the table. No
-- rewrite and no index rebuild (the primary key keeps its storage: a domain over text uses text's
-- operator class); the ACCESS EXCLUSIVE lock is held until the migration commits, while each rule
-- reads the table once. A view, rule, policy or trigger condition of an app on these columns keeps
-- the rules as table constraints, with a notice.
-- depends: 0012-payment-history-rules-as-domains

SET LOCAL lock_timeout = '15s';

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
