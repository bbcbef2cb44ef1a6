-- Adds payments.memberships (who belongs to which group subject, and as what) and the pgpay_writer role.
-- New table and role, one unique constraint on the tiny payments.subject_types, a domain constraint renamed: no rewrite.
-- depends: 0002-app-fulfilment-tables

-- pgpay_writer: the role the ingest function runs as (it owns payments.ingest_stripe_event, see
-- sql/20_security). Not a superuser, no BYPASSRLS, no login: it reaches rows only through policies
-- written TO pgpay_writer. The role migrating pgpay is made a member so that it can hand the
-- function over and replace it on later migrations; policies for pgpay_writer then apply to it too.
-- It is also allowed to SET ROLE anon / authenticated, as the runtime does to act as its caller.
DO $roles$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'pgpay_writer') THEN
        BEGIN
            CREATE ROLE pgpay_writer NOLOGIN NOSUPERUSER NOBYPASSRLS;
        EXCEPTION WHEN duplicate_object OR unique_violation THEN
            NULL;  -- created meanwhile by a migration of another database of this cluster
        END;
    END IF;
    IF NOT (SELECT r.rolsuper FROM pg_catalog.pg_roles AS r WHERE r.rolname = current_user)
        AND NOT pg_catalog.pg_has_role(current_user, 'pgpay_writer', 'USAGE') THEN
        BEGIN
            GRANT pgpay_writer TO CURRENT_USER;
        EXCEPTION WHEN insufficient_privilege THEN
            RAISE EXCEPTION 'role % must be a member of pgpay_writer to migrate pgpay', current_user
                USING HINT = format('ask a superuser to run: GRANT pgpay_writer TO %I', current_user);
        END;
    END IF;
    IF NOT (SELECT r.rolsuper FROM pg_catalog.pg_roles AS r WHERE r.rolname = current_user)
        AND NOT (
            pg_catalog.pg_has_role(current_user, 'anon', 'MEMBER')
            AND pg_catalog.pg_has_role(current_user, 'authenticated', 'MEMBER')
        ) THEN
        BEGIN
            GRANT anon, authenticated TO CURRENT_USER;
        EXCEPTION WHEN insufficient_privilege THEN
            RAISE WARNING 'role % cannot SET ROLE anon / authenticated', current_user
                USING HINT = format('runtime routes need: GRANT anon, authenticated TO %I', current_user);
        END;
    END IF;
END
$roles$;

-- A clear refusal for a malformed subject id: the constraint's name is the rule.
ALTER DOMAIN payments.subject_id
RENAME CONSTRAINT subject_id_check TO "subject_id must be 1-255 of [A-Za-z0-9_.:@|-], alnum first";

-- Lets a foreign key require a known *group* type: (subject_type, is_group) is unique.
ALTER TABLE payments.subject_types
ADD CONSTRAINT subject_types_type_group_key UNIQUE (subject_type, is_group);

CREATE TABLE payments.memberships (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    subject_type text NOT NULL,
    subject_is_group boolean NOT NULL DEFAULT TRUE
    CONSTRAINT memberships_subject_must_be_a_group CHECK (subject_is_group),
    subject_id payments.subject_id NOT NULL,
    user_id payments.subject_id NOT NULL,
    role text NOT NULL DEFAULT 'member'
    CONSTRAINT memberships_role_is_owner_admin_or_member CHECK (role IN ('owner', 'admin', 'member')),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT memberships_subject_type_must_be_a_known_group_type
    FOREIGN KEY (subject_type, subject_is_group) REFERENCES payments.subject_types (subject_type, is_group),
    CONSTRAINT memberships_subject_user_key UNIQUE (subject_type, subject_id, user_id)
);

CREATE INDEX memberships_user_idx ON payments.memberships (user_id);

ALTER TABLE payments.memberships ENABLE ROW LEVEL SECURITY;
ALTER TABLE payments.memberships FORCE ROW LEVEL SECURITY;

COMMENT ON TABLE payments.memberships IS
'Who belongs to which group subject (team, organization, ...) and as what: owner, admin or member.
Read by payments.is_member / payments.is_billing_admin unless an app redefines them.';
COMMENT ON COLUMN payments.memberships.subject_is_group IS
'Always true: with subject_type it references payments.subject_types, so only group types are accepted.';
COMMENT ON COLUMN payments.memberships.role IS
'owner and admin are billing admins (may buy and manage billing); member may read and spend credits.';
