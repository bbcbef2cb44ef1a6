-- Projects what user subjects may use: entitlement keys from product metadata `entitlements`
-- (comma-separated), granted by subscriptions while they grant access and by one-time purchases until
-- refunded or lost in a dispute. Derived from the current mirror state, so any delivery order agrees.

CREATE OR REPLACE FUNCTION payments.product_entitlement_keys(p_environment text, p_product_id text)
RETURNS SETOF text
LANGUAGE sql
STABLE
AS $$
    SELECT DISTINCT btrim(k)
    FROM payments.products AS p,
        unnest(string_to_array(coalesce(p.metadata ->> 'entitlements', ''), ',')) AS k
    WHERE p.environment = p_environment AND p.stripe_product_id = p_product_id
        -- (the rule of user_entitlements.entitlement_key: 1-100 of [A-Za-z0-9_.:-], alnum first)
        AND char_length(btrim(k)) <= 100 AND btrim(k) ~ '^[A-Za-z0-9][A-Za-z0-9_.:-]*$'
$$;

COMMENT ON FUNCTION payments.product_entitlement_keys(text, text) IS
'The entitlement keys a product grants (its metadata entitlements, comma-separated; malformed keys skipped).';

CREATE OR REPLACE FUNCTION payments.price_product(p_environment text, p_price_id text)
RETURNS text
LANGUAGE plpgsql
STABLE
AS $$
BEGIN
    RETURN (
        SELECT p.stripe_product_id FROM payments.prices AS p
        WHERE p.environment = p_environment AND p.stripe_price_id = p_price_id
    );
END
$$;

CREATE OR REPLACE FUNCTION payments.set_entitlements(
    p_environment text, p_user_id text, p_source_type text, p_source_id text, p_grants jsonb,
    p_active boolean, p_valid_from timestamptz, p_valid_until timestamptz
)
RETURNS void
LANGUAGE plpgsql
AS $$
BEGIN
    -- p_grants: [{"key": ..., "product": ...}], the complete set this source grants now.
    -- (A source that grants nothing inserts nothing: no statement to start.)
    IF jsonb_array_length(p_grants) > 0 THEN
        INSERT INTO public.user_entitlements AS e (
            environment, user_id, entitlement_key, source_type, source_id, stripe_product_id, active,
            valid_from, valid_until
        )
        SELECT p_environment, p_user_id, g ->> 'key', p_source_type, p_source_id, g ->> 'product', p_active,
            p_valid_from, p_valid_until
        FROM jsonb_array_elements(p_grants) AS g
        ON CONFLICT (environment, user_id, entitlement_key, source_type, source_id) DO UPDATE SET
            stripe_product_id = excluded.stripe_product_id,
            active = excluded.active,
            valid_from = coalesce(e.valid_from, excluded.valid_from),
            valid_until = excluded.valid_until;
    END IF;
    -- Keys this source no longer grants (a plan swap) are revoked.
    UPDATE public.user_entitlements AS e SET active = FALSE
    WHERE e.environment = p_environment AND e.source_type = p_source_type AND e.source_id = p_source_id
        AND e.active
        AND e.entitlement_key NOT IN (SELECT g ->> 'key' FROM jsonb_array_elements(p_grants) AS g);
END
$$;

CREATE OR REPLACE FUNCTION payments.refresh_subscription_entitlements(
    p_environment text, p_subscription_id text
)
RETURNS void
LANGUAGE plpgsql
AS $$
DECLARE
    v_void text;  -- takes what a call returns (see 010_helpers.sql)
    v_sub payments.subscriptions;
    v_access boolean;
    v_grants jsonb;
BEGIN
    SELECT * INTO v_sub FROM payments.subscriptions AS s
    WHERE s.environment = p_environment AND s.stripe_subscription_id = p_subscription_id;
    IF NOT FOUND OR v_sub.subject_type IS DISTINCT FROM 'user' THEN
        RETURN;
    END IF;
    v_access := payments.subscription_grants_access(
        v_sub.status, v_sub.cancel_at_period_end, v_sub.current_period_start, v_sub.current_period_end
    );
    SELECT coalesce(jsonb_agg(DISTINCT jsonb_build_object('key', k.key, 'product', i.product)), '[]')
    INTO v_grants
    FROM (
        SELECT coalesce(
            payments.stripe_id(it #> '{price,product}'),
            payments.price_product(p_environment, payments.stripe_id(it -> 'price'))
        ) AS product
        FROM jsonb_array_elements(coalesce(v_sub.raw #> '{items,data}', '[]')) AS it
    ) AS i,
        LATERAL payments.product_entitlement_keys(p_environment, i.product) AS k (key);
    v_void := payments.set_entitlements(
        p_environment, v_sub.subject_id, 'subscription', v_sub.stripe_subscription_id, v_grants, v_access,
        coalesce(v_sub.stripe_created, v_sub.trial_start, v_sub.current_period_start),
        CASE
            WHEN v_access AND v_sub.status = 'past_due' THEN
                -- Unpaid: only the past-due grace is left, not the rest of the period.
                least(
                    coalesce(v_sub.current_period_start, v_sub.current_period_end)
                    + payments.setting_interval('past_due_grace_period', INTERVAL '3 days'),
                    v_sub.current_period_end
                    + payments.setting_interval('entitlement_grace_period', INTERVAL '1 day')
                )
            WHEN v_access THEN
                v_sub.current_period_end
                + payments.setting_interval('entitlement_grace_period', INTERVAL '1 day')
            ELSE coalesce(v_sub.ended_at, v_sub.canceled_at, v_sub.current_period_end)
        END
    );
END
$$;

COMMENT ON FUNCTION payments.refresh_subscription_entitlements(text, text) IS
'Sets the entitlements a user''s subscription grants from its current items: active while the access
rule holds, valid until the period end plus entitlement_grace_period (past_due: until the past-due grace
ends); swapped keys are revoked. Check valid_until > now() too: no event arrives when a grace ends.';

CREATE OR REPLACE FUNCTION payments.refresh_payment_entitlements(p_payment payments.payment_history)
RETURNS void
LANGUAGE plpgsql
AS $$
DECLARE
    v_void text;  -- takes what a call returns (see 010_helpers.sql)
    v_grants jsonb;
    v_active boolean;
BEGIN
    IF p_payment.type <> 'one_time_payment' OR p_payment.subject_type IS DISTINCT FROM 'user'
        OR p_payment.status NOT IN ('succeeded', 'partially_refunded', 'refunded') THEN
        RETURN;
    END IF;
    v_active := p_payment.status IN ('succeeded', 'partially_refunded')
        AND NOT EXISTS (
            SELECT FROM payments.payment_history AS d
            WHERE d.environment = p_payment.environment AND d.type = 'dispute'
                AND d.stripe_payment_intent_id = p_payment.stripe_payment_intent_id AND d.status = 'lost'
        );
    SELECT coalesce(jsonb_agg(DISTINCT jsonb_build_object('key', k.key, 'product', li.product)), '[]')
    INTO v_grants
    FROM (
        SELECT payments.price_product(p_payment.environment, l ->> 'price') AS product
        FROM jsonb_array_elements(payments.payment_lines(p_payment)) AS l
    ) AS li,
        LATERAL payments.product_entitlement_keys(p_payment.environment, li.product) AS k (key);
    v_void := payments.set_entitlements(
        p_payment.environment, p_payment.subject_id, 'one_time_payment', p_payment.stripe_payment_intent_id,
        v_grants, v_active, p_payment.stripe_created, NULL
    );
END
$$;

COMMENT ON FUNCTION payments.refresh_payment_entitlements(payments.payment_history) IS
'Sets the entitlements a user''s one-time purchase grants: active unless fully refunded or the dispute
was lost; no expiry.';
