-- The subject id and entitlement key rules, checked in time linear in the value. PostgreSQL's
-- regular expressions expand a bounded repetition such as {0,254} into that many copies of its
-- atom and step through them for every character: a 36-character uuid subject id took about
-- 45 microseconds to check, and the domain's check runs on every write of a subject id (each
-- payment, subscription, grant, ledger entry and total). A length limit and `*` accept exactly the
-- same values in well under a microsecond. Accepted values and constraint names are unchanged.
-- Re-adding the domain's check reads every column of the domain under a SHARE lock on its table
-- (writes to payments' and the fulfilment tables wait until the migration commits), the entitlement
-- key's reads user_entitlements under an ACCESS EXCLUSIVE lock (reads of it wait too); about a
-- second per million rows. It gives up after 15 s of waiting for a lock.
-- depends: 0009-credit-totals

SET LOCAL lock_timeout = '15s';

-- One statement: PostgreSQL 15 fails the next savepoint after an ALTER DOMAIN ... DROP CONSTRAINT
-- run on its own, and the migration runner takes one between statements.
DO $$
BEGIN
    BEGIN
        ALTER DOMAIN payments.subject_id DROP CONSTRAINT "subject_id must be 1-255 of [A-Za-z0-9_.:@|-], alnum first";
        ALTER DOMAIN payments.subject_id ADD CONSTRAINT "subject_id must be 1-255 of [A-Za-z0-9_.:@|-], alnum first"
        CHECK (char_length(value) <= 255 AND value ~ '^[A-Za-z0-9][A-Za-z0-9_.:@|-]*$');
    EXCEPTION WHEN feature_not_supported THEN
        -- An app keeps subject ids in an array or composite column, which PostgreSQL cannot check
        -- again: the rule accepts the same values, so it is added without checking them again.
        ALTER DOMAIN payments.subject_id DROP CONSTRAINT "subject_id must be 1-255 of [A-Za-z0-9_.:@|-], alnum first";
        ALTER DOMAIN payments.subject_id ADD CONSTRAINT "subject_id must be 1-255 of [A-Za-z0-9_.:@|-], alnum first"
        CHECK (char_length(value) <= 255 AND value ~ '^[A-Za-z0-9][A-Za-z0-9_.:@|-]*$') NOT VALID;
    END;
END
$$;

ALTER TABLE public.user_entitlements
DROP CONSTRAINT user_entitlements_entitlement_key_check,
ADD CONSTRAINT user_entitlements_entitlement_key_check CHECK (
    char_length(entitlement_key) <= 100 AND entitlement_key ~ '^[A-Za-z0-9][A-Za-z0-9_.:-]*$'
);
