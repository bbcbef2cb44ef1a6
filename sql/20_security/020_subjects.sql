-- Who may act for a billing subject: membership lookups and the rules the policies and the spend
-- function call. is_member / is_billing_admin are created only when missing, so an app's own stay.

-- The helpers row-level security calls for every row are PL/pgSQL: a SQL function with a SET clause
-- is never inlined, and called from inside another it is parsed and planned again at every call.
CREATE OR REPLACE FUNCTION payments.is_group_subject_type(p_subject_type text)
RETURNS boolean
LANGUAGE plpgsql
STABLE
SET search_path = pg_catalog
AS $$
BEGIN
    RETURN coalesce(
        (SELECT t.is_group FROM payments.subject_types AS t WHERE t.subject_type = p_subject_type),
        FALSE
    );
END
$$;

COMMENT ON FUNCTION payments.is_group_subject_type(text) IS
'True when the subject type is a known group type in payments.subject_types (team, organization, ...).';

CREATE OR REPLACE FUNCTION payments.current_membership_role(p_subject_type text, p_subject_id text)
RETURNS text
LANGUAGE plpgsql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog
AS $$
BEGIN
    RETURN (
        SELECT m.role
        FROM payments.memberships AS m
        WHERE m.subject_type = p_subject_type
            AND m.subject_id::text = p_subject_id
            AND m.user_id::text = payments.current_user_id()
    );
END
$$;

COMMENT ON FUNCTION payments.current_membership_role(text, text) IS
'The calling user''s role (owner, admin, member) in a group subject according to payments.memberships,
or NULL. Only ever about the caller. Runs as pgpay_writer, which may read payments.memberships.';

-- The two functions an app may redefine (CREATE OR REPLACE, same parameter names) to read its own
-- membership tables. pgpay creates them only when they do not exist, so migrations keep an app's
-- definition; drop the app's version and migrate to get pgpay's back.
DO $defaults$
BEGIN
    IF pg_catalog.to_regprocedure('payments.is_member(text, text)') IS NULL THEN
        CREATE FUNCTION payments.is_member(p_subject_type text, p_subject_id text)
        RETURNS boolean
        LANGUAGE sql
        STABLE
        SET search_path = pg_catalog
        AS $fn$
            SELECT payments.current_membership_role(p_subject_type, p_subject_id) IS NOT NULL
        $fn$;
        COMMENT ON FUNCTION payments.is_member(text, text) IS
        'Is the caller a member (any role) of this group subject? pgpay''s default reads payments.memberships;
an app may redefine it to read its own tables (see README, "Subjects and row-level security").';
    END IF;
    IF pg_catalog.to_regprocedure('payments.is_billing_admin(text, text)') IS NULL THEN
        CREATE FUNCTION payments.is_billing_admin(p_subject_type text, p_subject_id text)
        RETURNS boolean
        LANGUAGE sql
        STABLE
        SET search_path = pg_catalog
        AS $fn$
            SELECT coalesce(
                payments.current_membership_role(p_subject_type, p_subject_id) IN ('owner', 'admin'),
                FALSE
            )
        $fn$;
        COMMENT ON FUNCTION payments.is_billing_admin(text, text) IS
        'May the caller buy and manage billing for this group subject (owner or admin)? pgpay''s default reads
payments.memberships; an app may redefine it to read its own tables (see README).';
    END IF;
END
$defaults$;

-- Server or end user? A role that is or inherits anon or authenticated acts for whom its claims name,
-- unless it is a superuser, has BYPASSRLS or is a member of pgpay_writer; any other role that was
-- granted a function acts for any subject.
CREATE OR REPLACE FUNCTION payments.is_trusted_caller()
RETURNS boolean
LANGUAGE plpgsql
STABLE
SET search_path = pg_catalog
AS $$
DECLARE
    -- The caller: the role of SET ROLE (what PostgREST, Supabase and pgpay's runtime routes do per
    -- request), else the login role. (Not current_user: inside a SECURITY DEFINER function, which
    -- is where this is asked, that is the function's owner.)
    v_role text := CASE current_setting('role') WHEN 'none' THEN session_user ELSE current_setting('role') END;
BEGIN
    RETURN coalesce(
        (
            SELECT r.rolsuper OR r.rolbypassrls OR pg_has_role(r.oid, 'pgpay_writer', 'MEMBER')
                OR NOT (pg_has_role(r.oid, 'anon', 'MEMBER') OR pg_has_role(r.oid, 'authenticated', 'MEMBER'))
            FROM pg_roles AS r
            WHERE r.rolname = v_role
        ),
        FALSE
    );
END
$$;

COMMENT ON FUNCTION payments.is_trusted_caller() IS
'Is the caller a server role that may act for any subject? The caller is the SET ROLE role, else the
login role. A role that is or inherits anon or authenticated is an end user (it acts only for the
subjects its JWT claims allow) unless it is a superuser, has BYPASSRLS or is a member of pgpay_writer
(the role that ran pgpay migrate is one); any other role is a server role.';

CREATE OR REPLACE FUNCTION payments.can_act_for_subject(p_subject_type text, p_subject_id text)
RETURNS boolean
LANGUAGE plpgsql
STABLE
SET search_path = pg_catalog
AS $$
DECLARE
    v_user text := payments.current_user_id();
BEGIN
    IF v_user IS NULL OR p_subject_type IS NULL OR p_subject_id IS NULL THEN
        RETURN FALSE;
    ELSIF p_subject_type = 'user' THEN
        RETURN p_subject_id = v_user;
    ELSIF payments.is_group_subject_type(p_subject_type) THEN
        RETURN coalesce(payments.is_billing_admin(p_subject_type, p_subject_id), FALSE);
    END IF;
    RETURN FALSE;
END
$$;

COMMENT ON FUNCTION payments.can_act_for_subject(text, text) IS
'May the caller buy for and manage billing of this subject? A user subject: only that user. A group
subject: its billing admins (payments.is_billing_admin). Anonymous callers and unknown types: never.';

CREATE OR REPLACE FUNCTION payments.can_read_subject(p_subject_type text, p_subject_id text)
RETURNS boolean
LANGUAGE plpgsql
STABLE
SET search_path = pg_catalog
AS $$
DECLARE
    v_user text := payments.current_user_id();
BEGIN
    IF v_user IS NULL OR p_subject_type IS NULL OR p_subject_id IS NULL THEN
        RETURN FALSE;
    ELSIF p_subject_type = 'user' THEN
        RETURN p_subject_id = v_user;
    ELSIF payments.is_group_subject_type(p_subject_type) THEN
        RETURN coalesce(payments.is_member(p_subject_type, p_subject_id), FALSE)
            OR coalesce(payments.is_billing_admin(p_subject_type, p_subject_id), FALSE);
    END IF;
    RETURN FALSE;
END
$$;

COMMENT ON FUNCTION payments.can_read_subject(text, text) IS
'May the caller see this subject''s orders, credits, entitlements and billing status? A user subject:
only that user. A group subject: any member (member, admin or owner). Anonymous callers: never.';

CREATE OR REPLACE FUNCTION payments.can_spend_for_subject(p_subject_type text, p_subject_id text)
RETURNS boolean
LANGUAGE sql
STABLE
SET search_path = pg_catalog
AS $$
    SELECT payments.can_read_subject(p_subject_type, p_subject_id)
$$;

COMMENT ON FUNCTION payments.can_spend_for_subject(text, text) IS
'May the caller spend this subject''s credits (checked by payments.spend_credits)? A user subject: only
that user. A group subject: every member, not only billing admins - credits are bought by admins for the
whole group to use. Anonymous callers: never.';
