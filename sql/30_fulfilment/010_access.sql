-- The one access rule: which subscription states grant access, and for how long past_due keeps it.
-- Used by user_entitlements and team_billing_status, and callable by apps for a live answer.

CREATE OR REPLACE FUNCTION payments.setting_interval(p_key text, p_default interval)
RETURNS interval
LANGUAGE plpgsql
STABLE
AS $$
BEGIN
    RETURN (
        SELECT coalesce((SELECT (s.value #>> '{}')::interval FROM payments.settings AS s WHERE s.key = p_key), p_default)
    );
END
$$;

COMMENT ON FUNCTION payments.setting_interval(text, interval) IS
'An interval setting from payments.settings (e.g. past_due_grace_period), or the default.';

CREATE OR REPLACE FUNCTION payments.subscription_grants_access(
    p_status text,
    p_cancel_at_period_end boolean,
    p_current_period_start timestamptz,
    p_current_period_end timestamptz,
    p_at timestamptz DEFAULT now()
)
RETURNS boolean
LANGUAGE sql
STABLE
AS $$
    SELECT CASE
        WHEN p_status IN ('active', 'trialing') THEN
            NOT coalesce(p_cancel_at_period_end, FALSE)
            OR p_current_period_end IS NULL
            OR p_at < p_current_period_end
        WHEN p_status = 'past_due' THEN
            p_at < coalesce(p_current_period_start, p_current_period_end, p_at)
            + payments.setting_interval('past_due_grace_period', INTERVAL '3 days')
        ELSE FALSE
    END
$$;

COMMENT ON FUNCTION payments.subscription_grants_access(text, boolean, timestamptz, timestamptz, timestamptz) IS
'The access rule. active and trialing grant access (with cancel_at_period_end: until the period ends);
past_due grants access for payments.settings past_due_grace_period (default 3 days) from the start of the
unpaid period; canceled, unpaid, incomplete, incomplete_expired and paused do not.';
