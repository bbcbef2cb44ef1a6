-- Projects one row per group subject (team, organization, ...) from its subscriptions: the one granting
-- the most access wins; has_access follows the access rule.

CREATE OR REPLACE FUNCTION payments.refresh_team_billing_status(
    p_environment text, p_subject_type text, p_subject_id text
)
RETURNS void
LANGUAGE plpgsql
AS $$
DECLARE
    v_best record;
BEGIN
    IF p_subject_type IS NULL OR NOT EXISTS (
        SELECT FROM payments.subject_types AS t WHERE t.subject_type = p_subject_type AND t.is_group
    ) THEN
        RETURN;
    END IF;
    -- (the columns the row needs: not raw, which would be decompressed for nothing)
    SELECT s.stripe_customer_id, s.stripe_subscription_id, s.stripe_product_id, s.stripe_price_id,
        s.status, s.quantity, s.current_period_start, s.current_period_end, s.cancel_at_period_end,
        s.trial_end, payments.subscription_grants_access(
        s.status, s.cancel_at_period_end, s.current_period_start, s.current_period_end
    ) AS grants_access
    INTO v_best
    FROM payments.subscriptions AS s
    WHERE s.environment = p_environment AND s.subject_type = p_subject_type AND s.subject_id = p_subject_id
    ORDER BY
        payments.subscription_grants_access(
            s.status, s.cancel_at_period_end, s.current_period_start, s.current_period_end
        ) DESC,
        CASE s.status
            WHEN 'active' THEN 6 WHEN 'trialing' THEN 5 WHEN 'past_due' THEN 4 WHEN 'paused' THEN 3
            WHEN 'unpaid' THEN 2 WHEN 'incomplete' THEN 1 ELSE 0
        END DESC,
        s.current_period_end DESC NULLS LAST,
        s.quantity DESC NULLS LAST,
        s.stripe_subscription_id
    LIMIT 1;
    IF NOT FOUND THEN
        RETURN;
    END IF;
    INSERT INTO public.team_billing_status AS t (
        environment, subject_type, subject_id, stripe_customer_id, stripe_subscription_id,
        stripe_product_id, stripe_price_id, plan, status, seats, current_period_end,
        cancel_at_period_end, trial_end, has_access, access_until
    )
    SELECT p_environment, p_subject_type, p_subject_id, v_best.stripe_customer_id,
        v_best.stripe_subscription_id, v_best.stripe_product_id, v_best.stripe_price_id,
        coalesce(pr.lookup_key, prod.name, pr.nickname, v_best.stripe_price_id), v_best.status,
        v_best.quantity, v_best.current_period_end, v_best.cancel_at_period_end, v_best.trial_end,
        v_best.grants_access,
        CASE
            WHEN NOT v_best.grants_access THEN NULL
            WHEN v_best.status = 'past_due' THEN
                coalesce(v_best.current_period_start, v_best.current_period_end)
                + payments.setting_interval('past_due_grace_period', INTERVAL '3 days')
            WHEN v_best.cancel_at_period_end THEN v_best.current_period_end
        END
    FROM (SELECT 1) AS one
    LEFT JOIN payments.prices AS pr
        ON pr.environment = p_environment AND pr.stripe_price_id = v_best.stripe_price_id
    LEFT JOIN payments.products AS prod
        ON prod.environment = p_environment AND prod.stripe_product_id = v_best.stripe_product_id
    ON CONFLICT (environment, subject_type, subject_id) DO UPDATE SET
        stripe_customer_id = excluded.stripe_customer_id,
        stripe_subscription_id = excluded.stripe_subscription_id,
        stripe_product_id = excluded.stripe_product_id,
        stripe_price_id = excluded.stripe_price_id,
        plan = excluded.plan,
        status = excluded.status,
        seats = excluded.seats,
        current_period_end = excluded.current_period_end,
        cancel_at_period_end = excluded.cancel_at_period_end,
        trial_end = excluded.trial_end,
        has_access = excluded.has_access,
        access_until = excluded.access_until;
END
$$;

COMMENT ON FUNCTION payments.refresh_team_billing_status(text, text, text) IS
'Recomputes a group subject''s team_billing_status row from all its subscriptions: access-granting
first, then by status, latest period end, seats.';
