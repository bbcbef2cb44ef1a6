-- Back to 0009: the subject id and entitlement key rules as bounded repetitions.
SET LOCAL lock_timeout = '15s';

-- One statement: PostgreSQL 15 fails the next savepoint after an ALTER DOMAIN ... DROP CONSTRAINT
-- run on its own, and the migration runner takes one between statements.
DO $$
BEGIN
    BEGIN
        ALTER DOMAIN payments.subject_id DROP CONSTRAINT "subject_id must be 1-255 of [A-Za-z0-9_.:@|-], alnum first";
        ALTER DOMAIN payments.subject_id ADD CONSTRAINT "subject_id must be 1-255 of [A-Za-z0-9_.:@|-], alnum first"
        CHECK (value ~ '^[A-Za-z0-9][A-Za-z0-9_.:@|-]{0,254}$');
    EXCEPTION WHEN feature_not_supported THEN
        -- An app keeps subject ids in an array or composite column, which PostgreSQL cannot check
        -- again: the rule accepts the same values, so it is added without checking them again.
        ALTER DOMAIN payments.subject_id DROP CONSTRAINT "subject_id must be 1-255 of [A-Za-z0-9_.:@|-], alnum first";
        ALTER DOMAIN payments.subject_id ADD CONSTRAINT "subject_id must be 1-255 of [A-Za-z0-9_.:@|-], alnum first"
        CHECK (value ~ '^[A-Za-z0-9][A-Za-z0-9_.:@|-]{0,254}$') NOT VALID;
    END;
END
$$;

ALTER TABLE public.user_entitlements
DROP CONSTRAINT user_entitlements_entitlement_key_check,
ADD CONSTRAINT user_entitlements_entitlement_key_check
CHECK (entitlement_key ~ '^[A-Za-z0-9][A-Za-z0-9_.:-]{0,99}$');
