-- Mirrors Stripe subscriptions and their items, in both API shapes (period dates on the subscription
-- before 2025-03-31, on each item after). Terminal states are never revived; older snapshots never win.

CREATE OR REPLACE FUNCTION payments.apply_subscription(
    p_environment text, p_subscription jsonb, p_event_at timestamptz
)
RETURNS void
LANGUAGE plpgsql
AS $$
DECLARE
    v_void text;  -- takes what a call returns (see 010_helpers.sql)
    v_id text := p_subscription ->> 'id';
    v_customer text := payments.stripe_id(p_subscription -> 'customer');
    v_items jsonb := coalesce(p_subscription #> '{items,data}', '[]'::jsonb);
    v_first jsonb := coalesce(p_subscription #> '{items,data}' -> 0, '{}'::jsonb);
    v_subject record;
    v_period_start timestamptz;
    v_period_end timestamptz;
    v_applied integer;
BEGIN
    v_subject := payments.resolve_subject(p_environment, p_subscription -> 'metadata', v_customer);

    SELECT min(payments.to_timestamptz(i -> 'current_period_start')),
        max(payments.to_timestamptz(i -> 'current_period_end'))
    INTO v_period_start, v_period_end
    FROM jsonb_array_elements(v_items) AS i;
    v_period_start := coalesce(payments.to_timestamptz(p_subscription -> 'current_period_start'), v_period_start);
    v_period_end := coalesce(payments.to_timestamptz(p_subscription -> 'current_period_end'), v_period_end);

    INSERT INTO payments.subscriptions AS s (
        environment, stripe_subscription_id, stripe_customer_id, subject_type, subject_id, status,
        stripe_price_id, stripe_product_id, quantity, cancel_at_period_end, cancel_at, canceled_at,
        ended_at, current_period_start, current_period_end, trial_start, trial_end, metadata,
        stripe_created, last_event_at, raw
    ) VALUES (
        p_environment, v_id, v_customer, v_subject.subject_type, v_subject.subject_id,
        p_subscription ->> 'status',
        payments.stripe_id(v_first -> 'price'),
        payments.stripe_id(v_first #> '{price,product}'),
        coalesce((v_first ->> 'quantity')::integer, (p_subscription ->> 'quantity')::integer),
        coalesce((p_subscription ->> 'cancel_at_period_end')::boolean, FALSE),
        payments.to_timestamptz(p_subscription -> 'cancel_at'),
        payments.to_timestamptz(p_subscription -> 'canceled_at'),
        payments.to_timestamptz(p_subscription -> 'ended_at'),
        v_period_start, v_period_end,
        payments.to_timestamptz(p_subscription -> 'trial_start'),
        payments.to_timestamptz(p_subscription -> 'trial_end'),
        coalesce(p_subscription -> 'metadata', '{}'::jsonb),
        payments.to_timestamptz(p_subscription -> 'created'), p_event_at, p_subscription
    )
    ON CONFLICT (environment, stripe_subscription_id) DO UPDATE SET
        stripe_customer_id = coalesce(s.stripe_customer_id, excluded.stripe_customer_id),
        subject_type = coalesce(s.subject_type, excluded.subject_type),
        subject_id = CASE WHEN s.subject_type IS NULL THEN excluded.subject_id ELSE s.subject_id END,
        status = excluded.status,
        stripe_price_id = excluded.stripe_price_id,
        stripe_product_id = excluded.stripe_product_id,
        quantity = excluded.quantity,
        cancel_at_period_end = excluded.cancel_at_period_end,
        cancel_at = excluded.cancel_at,
        canceled_at = excluded.canceled_at,
        ended_at = excluded.ended_at,
        current_period_start = excluded.current_period_start,
        current_period_end = excluded.current_period_end,
        trial_start = excluded.trial_start,
        trial_end = excluded.trial_end,
        metadata = excluded.metadata,
        stripe_created = coalesce(s.stripe_created, excluded.stripe_created),
        last_event_at = excluded.last_event_at,
        raw = excluded.raw
    WHERE CASE
        WHEN payments.is_terminal_subscription_status(s.status) THEN
            payments.is_terminal_subscription_status(excluded.status)
            AND payments.is_newer(
                excluded.last_event_at, 0, excluded.raw, s.last_event_at, 0, s.raw
            )
        ELSE
            payments.is_terminal_subscription_status(excluded.status)
            OR payments.is_newer(
                excluded.last_event_at,
                coalesce((extract(EPOCH FROM excluded.current_period_end)::bigint / 60)::integer, 0) * 8
                + payments.subscription_status_rank(excluded.status),
                excluded.raw,
                s.last_event_at,
                coalesce((extract(EPOCH FROM s.current_period_end)::bigint / 60)::integer, 0) * 8
                + payments.subscription_status_rank(s.status),
                s.raw
            )
    END;
    GET DIAGNOSTICS v_applied = ROW_COUNT;

    v_void := payments.ensure_customer_mapping(
        p_environment, v_subject.subject_type, v_subject.subject_id, v_customer, 'metadata'
    );
    -- Payments that arrived before their subscription learn its subject.
    IF v_subject.subject_type IS NOT NULL THEN
        UPDATE payments.payment_history AS h
        SET subject_type = v_subject.subject_type, subject_id = v_subject.subject_id
        WHERE h.environment = p_environment AND h.stripe_subscription_id = v_id
            AND h.subject_type IS NULL;
    END IF;

    IF v_applied = 0 THEN
        RETURN;
    END IF;

    INSERT INTO payments.subscription_items AS si (
        environment, stripe_subscription_item_id, stripe_subscription_id, stripe_price_id,
        stripe_product_id, quantity, current_period_start, current_period_end, deleted, metadata, raw
    )
    SELECT p_environment, i ->> 'id', v_id, payments.stripe_id(i -> 'price'),
        payments.stripe_id(i #> '{price,product}'), (i ->> 'quantity')::integer,
        coalesce(payments.to_timestamptz(i -> 'current_period_start'), v_period_start),
        coalesce(payments.to_timestamptz(i -> 'current_period_end'), v_period_end),
        FALSE, coalesce(i -> 'metadata', '{}'::jsonb), i
    FROM jsonb_array_elements(v_items) AS i
    ON CONFLICT (environment, stripe_subscription_item_id) DO UPDATE SET
        stripe_price_id = excluded.stripe_price_id,
        stripe_product_id = excluded.stripe_product_id,
        quantity = excluded.quantity,
        current_period_start = excluded.current_period_start,
        current_period_end = excluded.current_period_end,
        deleted = FALSE,
        metadata = excluded.metadata,
        raw = excluded.raw;

    -- Items no longer on the subscription (a plan swap, a removed add-on) are marked deleted.
    UPDATE payments.subscription_items AS si
    SET deleted = TRUE
    WHERE si.environment = p_environment AND si.stripe_subscription_id = v_id AND NOT si.deleted
        AND si.stripe_subscription_item_id NOT IN (
            SELECT i ->> 'id' FROM jsonb_array_elements(v_items) AS i WHERE i ->> 'id' IS NOT NULL
        );
END
$$;

COMMENT ON FUNCTION payments.apply_subscription(text, jsonb, timestamptz) IS
'Upserts a Stripe subscription snapshot and its items (either API shape). The newest snapshot wins by
event time, then period end, then status rank; a canceled or incomplete_expired subscription is final.';
