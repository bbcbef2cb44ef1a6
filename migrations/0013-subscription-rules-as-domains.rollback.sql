-- Back to 0012: the value rules of payments.subscriptions as CHECK constraints of the table,
-- under the same names. No rewrite; adding the constraints reads the table once. Nothing to undo
-- when 0013 kept the table constraints. A view created since 0013 must be dropped first.
SET LOCAL lock_timeout = '15s';

DO $$
BEGIN
    IF to_regtype('payments.subscription_status') IS NULL THEN
        RETURN;
    END IF;
    ALTER TABLE payments.subscriptions
    ALTER COLUMN status TYPE text,
    ALTER COLUMN stripe_subscription_id TYPE text,
    ADD CONSTRAINT subscriptions_status_check CHECK (status = any(
        '{incomplete,incomplete_expired,trialing,active,past_due,canceled,unpaid,paused}'::text[]
    )),
    ADD CONSTRAINT subscriptions_stripe_subscription_id_check
    CHECK (stripe_subscription_id ~ '^sub_[A-Za-z0-9_]+$');

    DROP DOMAIN payments.subscription_status;
    DROP DOMAIN payments.stripe_subscription_id;
END
$$;
