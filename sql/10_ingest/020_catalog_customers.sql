-- Mirrors Stripe customers, products and prices. A deleted object stays deleted; older snapshots never win.

CREATE OR REPLACE FUNCTION payments.apply_customer(
    p_environment text, p_customer jsonb, p_event_at timestamptz, p_deleted boolean
)
RETURNS void
LANGUAGE plpgsql
AS $$
DECLARE
    v_void text;  -- takes what a call returns (see 010_helpers.sql)
    v_id text := p_customer ->> 'id';
    v_subject record;
BEGIN
    INSERT INTO payments.customers AS c (
        environment, stripe_customer_id, email, name, metadata, deleted, stripe_created,
        last_event_at, raw
    ) VALUES (
        p_environment, v_id, p_customer ->> 'email', p_customer ->> 'name',
        coalesce(p_customer -> 'metadata', '{}'::jsonb),
        p_deleted OR coalesce((p_customer ->> 'deleted')::boolean, FALSE),
        payments.to_timestamptz(p_customer -> 'created'), p_event_at, p_customer
    )
    ON CONFLICT (environment, stripe_customer_id) DO UPDATE SET
        email = coalesce(excluded.email, c.email),
        name = coalesce(excluded.name, c.name),
        metadata = CASE WHEN excluded.deleted THEN c.metadata ELSE excluded.metadata END,
        deleted = excluded.deleted,
        stripe_created = coalesce(c.stripe_created, excluded.stripe_created),
        last_event_at = excluded.last_event_at,
        raw = excluded.raw
    WHERE NOT c.deleted
        AND (
            excluded.deleted
            OR payments.is_newer(excluded.last_event_at, 0, excluded.raw, c.last_event_at, 0, c.raw)
        );

    v_subject := payments.subject_from_metadata(coalesce(p_customer -> 'metadata', '{}'));
    v_void := payments.ensure_customer_mapping(
        p_environment, v_subject.subject_type, v_subject.subject_id, v_id, 'metadata'
    );
END
$$;

COMMENT ON FUNCTION payments.apply_customer(text, jsonb, timestamptz, boolean) IS
'Upserts a Stripe customer snapshot unless a newer one (or the deletion) is already stored.';

CREATE OR REPLACE FUNCTION payments.apply_product(
    p_environment text, p_product jsonb, p_event_at timestamptz, p_deleted boolean
)
RETURNS void
LANGUAGE plpgsql
AS $$
BEGIN
    INSERT INTO payments.products AS p (
        environment, stripe_product_id, name, description, active, deleted, default_price,
        metadata, stripe_created, last_event_at, raw
    ) VALUES (
        p_environment, p_product ->> 'id', p_product ->> 'name', p_product ->> 'description',
        coalesce((p_product ->> 'active')::boolean, TRUE) AND NOT p_deleted, p_deleted,
        payments.stripe_id(p_product -> 'default_price'),
        coalesce(p_product -> 'metadata', '{}'::jsonb),
        payments.to_timestamptz(p_product -> 'created'), p_event_at, p_product
    )
    ON CONFLICT (environment, stripe_product_id) DO UPDATE SET
        name = coalesce(excluded.name, p.name),
        description = CASE WHEN excluded.deleted THEN p.description ELSE excluded.description END,
        active = excluded.active,
        deleted = excluded.deleted,
        default_price = CASE WHEN excluded.deleted THEN p.default_price ELSE excluded.default_price END,
        metadata = CASE WHEN excluded.deleted THEN p.metadata ELSE excluded.metadata END,
        stripe_created = coalesce(p.stripe_created, excluded.stripe_created),
        last_event_at = excluded.last_event_at,
        raw = excluded.raw
    WHERE NOT p.deleted
        AND (
            excluded.deleted
            OR payments.is_newer(excluded.last_event_at, 0, excluded.raw, p.last_event_at, 0, p.raw)
        );
END
$$;

COMMENT ON FUNCTION payments.apply_product(text, jsonb, timestamptz, boolean) IS
'Upserts a Stripe product snapshot unless a newer one (or the deletion) is already stored.';

CREATE OR REPLACE FUNCTION payments.apply_price(
    p_environment text, p_price jsonb, p_event_at timestamptz, p_deleted boolean
)
RETURNS void
LANGUAGE plpgsql
AS $$
BEGIN
    INSERT INTO payments.prices AS p (
        environment, stripe_price_id, stripe_product_id, active, deleted, currency, unit_amount,
        type, recurring_interval, recurring_interval_count, lookup_key, nickname, metadata,
        stripe_created, last_event_at, raw
    ) VALUES (
        p_environment, p_price ->> 'id', payments.stripe_id(p_price -> 'product'),
        coalesce((p_price ->> 'active')::boolean, TRUE) AND NOT p_deleted, p_deleted,
        lower(p_price ->> 'currency'), (p_price ->> 'unit_amount')::bigint, p_price ->> 'type',
        p_price #>> '{recurring,interval}', (p_price #>> '{recurring,interval_count}')::integer,
        p_price ->> 'lookup_key', p_price ->> 'nickname', coalesce(p_price -> 'metadata', '{}'::jsonb),
        payments.to_timestamptz(p_price -> 'created'), p_event_at, p_price
    )
    ON CONFLICT (environment, stripe_price_id) DO UPDATE SET
        stripe_product_id = coalesce(excluded.stripe_product_id, p.stripe_product_id),
        active = excluded.active,
        deleted = excluded.deleted,
        currency = coalesce(excluded.currency, p.currency),
        unit_amount = coalesce(excluded.unit_amount, p.unit_amount),
        type = coalesce(excluded.type, p.type),
        recurring_interval = coalesce(excluded.recurring_interval, p.recurring_interval),
        recurring_interval_count = coalesce(excluded.recurring_interval_count, p.recurring_interval_count),
        lookup_key = CASE WHEN excluded.deleted THEN p.lookup_key ELSE excluded.lookup_key END,
        nickname = CASE WHEN excluded.deleted THEN p.nickname ELSE excluded.nickname END,
        metadata = CASE WHEN excluded.deleted THEN p.metadata ELSE excluded.metadata END,
        stripe_created = coalesce(p.stripe_created, excluded.stripe_created),
        last_event_at = excluded.last_event_at,
        raw = excluded.raw
    WHERE NOT p.deleted
        AND (
            excluded.deleted
            OR payments.is_newer(excluded.last_event_at, 0, excluded.raw, p.last_event_at, 0, p.raw)
        );
END
$$;

COMMENT ON FUNCTION payments.apply_price(text, jsonb, timestamptz, boolean) IS
'Upserts a Stripe price snapshot unless a newer one (or the deletion) is already stored.';
