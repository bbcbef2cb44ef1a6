-- Back to 0011: the value rules of payments.payment_history as CHECK constraints of the table,
-- under the same names. No rewrite (the domains' storage is their base type's); adding the
-- constraints reads the table once. Nothing to undo when 0012 kept the table constraints (an
-- app's view on these columns). A view created since 0012 must be dropped first: PostgreSQL
-- cannot change the type of a column a view uses.
SET LOCAL lock_timeout = '15s';

DO $$
BEGIN
    IF to_regtype('payments.payment_history_status') IS NULL THEN
        RETURN;
    END IF;
    ALTER TABLE payments.payment_history
    ALTER COLUMN status TYPE text,
    ALTER COLUMN currency TYPE text,
    ALTER COLUMN amount_refunded TYPE bigint,
    ADD CONSTRAINT payment_history_status_check CHECK (status = any(
        '{pending,requires_action,succeeded,failed,canceled,refunded,partially_refunded,disputed,won,lost,void,uncollectible}'::text[]
    )),
    ADD CONSTRAINT payment_history_currency_check CHECK (currency ~ '^[a-z]{3}$'),
    ADD CONSTRAINT payment_history_amount_refunded_check CHECK (amount_refunded >= 0);

    DROP DOMAIN payments.payment_history_status;
    DROP DOMAIN payments.payment_history_currency;
    DROP DOMAIN payments.payment_history_amount_refunded;
END
$$;
