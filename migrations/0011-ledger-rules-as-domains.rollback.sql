-- Back to 0010: the ledger's value rules as CHECK constraints of payments.webhook_events, under
-- the same names. No rewrite (the domains' storage is their base type's); adding the constraints
-- checks every stored row once.
SET LOCAL lock_timeout = '15s';

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
