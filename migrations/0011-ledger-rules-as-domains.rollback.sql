-- Back to 0010: the ledger's value rules as CHECK constraints of payments.webhook_events, under
-- the same names. No rewrite (the domains' storage is their base type's); adding the constraints
-- checks every stored row once. Nothing to do when 0011 kept the table constraints (an app's view
-- on these columns). A view created since 0011 must be dropped first: PostgreSQL cannot change
-- the type of a column a view uses.
SET LOCAL lock_timeout = '15s';

DO $$
BEGIN
    IF to_regtype('payments.webhook_event_status') IS NULL THEN
        RETURN;
    END IF;
    ALTER TABLE payments.webhook_events
    ALTER COLUMN stripe_event_id TYPE text,
    ALTER COLUMN status TYPE text,
    ALTER COLUMN source TYPE text,
    ALTER COLUMN attempts TYPE integer,
    ADD CONSTRAINT webhook_events_stripe_event_id_check CHECK (stripe_event_id ~ '^evt_[A-Za-z0-9_]+$'),
    ADD CONSTRAINT webhook_events_status_check
    CHECK (status = any('{received,processed,ignored,failed}'::text[])),
    ADD CONSTRAINT webhook_events_source_check
    CHECK (source = any('{webhook,cli,backfill,sync,replay}'::text[])),
    ADD CONSTRAINT webhook_events_attempts_check CHECK (attempts >= 0);

    DROP DOMAIN payments.stripe_event_id;
    DROP DOMAIN payments.webhook_event_status;
    DROP DOMAIN payments.webhook_event_source;
    DROP DOMAIN payments.delivery_attempts;
END
$$;
