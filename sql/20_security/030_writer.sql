-- Least privilege for the ingestor: payments.ingest_stripe_event (SECURITY DEFINER) runs as pgpay_writer,
-- a NOLOGIN role that is neither superuser nor BYPASSRLS and reaches rows only through these policies.

-- Hand the SECURITY DEFINER functions to pgpay_writer. A non-superuser may give an object to a role
-- only when that role could create it, so pgpay_writer holds CREATE on the schema for this moment only.
GRANT CREATE ON SCHEMA payments TO pgpay_writer;
ALTER FUNCTION payments.ingest_stripe_event(text, jsonb, text) OWNER TO pgpay_writer;
ALTER FUNCTION payments.current_membership_role(text, text) OWNER TO pgpay_writer;
REVOKE CREATE ON SCHEMA payments FROM pgpay_writer;

-- One permissive policy per table, TO pgpay_writer only: the writer may touch every row, but only
-- with the commands sql/99_grants/100_security_grants.sql grants it (e.g. credit_ledger: SELECT and
-- INSERT). Every table of the payments schema gets one, so a table added later is covered too.
-- The migrating role is a member of pgpay_writer, so these policies also let it (the tables' owner,
-- under FORCE ROW LEVEL SECURITY) maintain the tables when it is not a superuser.
DO $writer$
DECLARE
    v_table record;
    v_policy text;
BEGIN
    FOR v_table IN
        SELECT c.oid::regclass AS name, c.relname
        FROM pg_catalog.pg_class AS c
        INNER JOIN pg_catalog.pg_namespace AS n ON c.relnamespace = n.oid
        WHERE (n.nspname = 'payments' AND c.relkind IN ('r', 'p'))
            OR (n.nspname = 'public' AND c.relname IN ('orders', 'credit_ledger', 'user_entitlements', 'team_billing_status'))
        ORDER BY n.nspname, c.relname
    LOOP
        v_policy := v_table.relname || '__all__writer';
        EXECUTE format('DROP POLICY IF EXISTS %I ON %s', v_policy, v_table.name);
        EXECUTE format(
            'CREATE POLICY %I ON %s AS PERMISSIVE FOR ALL TO pgpay_writer USING (TRUE) WITH CHECK (TRUE)',
            v_policy, v_table.name
        );
        EXECUTE format(
            'COMMENT ON POLICY %I ON %s IS %L', v_policy, v_table.name,
            'The pgpay writer (the ingest function, and the role that migrates pgpay) may use every row, '
            || 'within the commands granted to pgpay_writer.'
        );
    END LOOP;
END
$writer$;
