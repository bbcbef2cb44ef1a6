-- Who is calling: the request.jwt.claims setting (PostgREST / Supabase / InsForge), read defensively.
-- Missing, empty or malformed claims mean an anonymous caller: no claim ever raises or grants by default.

CREATE OR REPLACE FUNCTION payments.current_claims()
RETURNS jsonb
LANGUAGE plpgsql
STABLE
SET search_path = pg_catalog
AS $$
DECLARE
    v_raw text := current_setting('request.jwt.claims', TRUE);
    v_claims jsonb;
BEGIN
    IF v_raw IS NULL OR btrim(v_raw) = '' THEN
        RETURN '{}'::jsonb;
    END IF;
    BEGIN
        v_claims := v_raw::jsonb;
    EXCEPTION WHEN data_exception OR program_limit_exceeded THEN
        RETURN '{}'::jsonb;
    END;
    IF jsonb_typeof(v_claims) IS DISTINCT FROM 'object' THEN
        RETURN '{}'::jsonb;
    END IF;
    RETURN v_claims;
END
$$;

COMMENT ON FUNCTION payments.current_claims() IS
'The caller''s JWT claims from the request.jwt.claims setting as a JSON object; {} when the setting is
missing, empty, not JSON or not an object. Never raises.';

CREATE OR REPLACE FUNCTION payments.current_role()
RETURNS text
LANGUAGE sql
STABLE
SET search_path = pg_catalog
AS $$
    SELECT CASE
        WHEN jsonb_typeof(c.claims -> 'role') = 'string' AND c.claims ->> 'role' <> '' THEN c.claims ->> 'role'
        ELSE 'anon'
    END
    -- (OFFSET 0 keeps the claims a subquery read once: pulled up, each c.claims above would parse
    -- the setting again)
    FROM (SELECT payments.current_claims() AS claims OFFSET 0) AS c
$$;

COMMENT ON FUNCTION payments.current_role() IS
'The role claim of the caller (e.g. authenticated), or anon when there is no usable role claim.
Call it qualified: payments.current_role() (a bare current_role is SQL''s own keyword).';

CREATE OR REPLACE FUNCTION payments.current_user_id()
RETURNS text
LANGUAGE plpgsql
STABLE
SET search_path = pg_catalog
AS $$
-- (PL/pgSQL, not SQL: row-level security calls it for every row, often from inside other helpers,
-- and a SQL function that cannot be inlined is parsed and planned again at each such call)
DECLARE
    v_claims jsonb := payments.current_claims();
BEGIN
    IF jsonb_typeof(v_claims -> 'sub') = 'string'
        AND payments.is_subject_id(v_claims ->> 'sub')
        AND jsonb_typeof(v_claims -> 'role') = 'string'
        AND v_claims ->> 'role' NOT IN ('', 'anon') THEN
        RETURN v_claims ->> 'sub';
    END IF;
    RETURN NULL;
END
$$;

COMMENT ON FUNCTION payments.current_user_id() IS
'The calling user''s id (the sub claim) as text, or NULL for an anonymous caller: no claims, no role
claim or role anon, no sub, a sub that is not a JSON string or not a valid payments.subject_id.';

CREATE OR REPLACE FUNCTION payments.current_user_uuid()
RETURNS uuid
LANGUAGE plpgsql
STABLE
SET search_path = pg_catalog
AS $$
-- (PL/pgSQL like current_user_id, and asks it once: the SQL form's subquery was pulled up into
-- both uses of the id)
DECLARE
    v_id text := payments.current_user_id();
BEGIN
    IF v_id ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' THEN
        RETURN v_id::uuid;
    END IF;
    RETURN NULL;
END
$$;

COMMENT ON FUNCTION payments.current_user_uuid() IS
'payments.current_user_id() as a uuid, or NULL when the caller is anonymous or the id is not a uuid.
For apps whose user ids are uuids: compare with this instead of casting, so a non-uuid sub denies
instead of raising.';
