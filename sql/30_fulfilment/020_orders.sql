-- Projects one-time payments onto app orders: pending -> paid only from a succeeded payment_history row,
-- refunded, disputed (and back when won), failed. Derived from the merged mirror state, so order-proof.

CREATE OR REPLACE FUNCTION payments.try_uuid(p_value text)
RETURNS uuid
LANGUAGE sql
IMMUTABLE PARALLEL SAFE
AS $$
    SELECT CASE
        WHEN p_value ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' THEN p_value::uuid
    END
$$;

COMMENT ON FUNCTION payments.try_uuid(text) IS 'The text as a uuid, or NULL when it is not one (never raises).';

CREATE OR REPLACE FUNCTION payments.order_status_for_payment(p_payment payments.payment_history)
RETURNS text
LANGUAGE plpgsql
STABLE
AS $$
BEGIN
    RETURN (
        SELECT CASE
            WHEN p_payment.id IS NULL THEN 'pending'
            WHEN p_payment.status = 'refunded' THEN 'refunded'
            WHEN p_payment.status IN ('succeeded', 'partially_refunded') AND EXISTS (
                SELECT FROM payments.payment_history AS d
                WHERE d.environment = p_payment.environment AND d.type = 'dispute'
                    AND d.stripe_payment_intent_id = p_payment.stripe_payment_intent_id
                    AND d.status IN ('disputed', 'lost')
            ) THEN 'disputed'
            WHEN p_payment.status IN ('succeeded', 'partially_refunded') THEN 'paid'
            WHEN p_payment.status IN ('failed', 'canceled') THEN 'failed'
            ELSE 'pending'
        END
    );
END
$$;

COMMENT ON FUNCTION payments.order_status_for_payment(payments.payment_history) IS
'The order status a one-time payment implies: paid only when it succeeded; refunded on a full refund;
disputed while a dispute is open or lost; failed; else pending.';

CREATE OR REPLACE FUNCTION payments.apply_payment_to_order(p_order_id uuid, p_payment payments.payment_history)
RETURNS void
LANGUAGE plpgsql
AS $$
DECLARE
    v_order public.orders;
    v_target text := payments.order_status_for_payment(p_payment);
    v_disputed_at timestamptz;
BEGIN
    SELECT * INTO v_order FROM public.orders AS o
    WHERE o.id = p_order_id AND o.environment = p_payment.environment;
    IF NOT FOUND THEN
        RETURN;
    END IF;
    -- An order that states its price is paid only by a payment of at least that amount in that
    -- currency (a cheaper checkout must not pay for a dearer order).
    IF v_target IN ('paid', 'refunded', 'disputed')
        AND (
            (v_order.amount IS NOT NULL AND p_payment.amount < v_order.amount)
            OR (v_order.currency IS NOT NULL AND p_payment.currency IS DISTINCT FROM v_order.currency)
        ) THEN
        RETURN;
    END IF;
    SELECT min(d.stripe_created) INTO v_disputed_at FROM payments.payment_history AS d
    WHERE d.environment = p_payment.environment AND d.type = 'dispute'
        AND d.stripe_payment_intent_id = p_payment.stripe_payment_intent_id;
    UPDATE public.orders AS o SET
        status = CASE WHEN o.status = 'fulfilled' THEN o.status ELSE v_target END,
        amount = coalesce(o.amount, nullif(p_payment.amount, 0)),
        currency = coalesce(o.currency, p_payment.currency),
        amount_refunded = coalesce(p_payment.amount_refunded, 0),
        stripe_checkout_session_id = coalesce(o.stripe_checkout_session_id, p_payment.stripe_checkout_session_id),
        stripe_payment_intent_id = coalesce(o.stripe_payment_intent_id, p_payment.stripe_payment_intent_id),
        subject_type = coalesce(o.subject_type, p_payment.subject_type),
        subject_id = CASE WHEN o.subject_type IS NULL THEN p_payment.subject_id ELSE o.subject_id END,
        paid_at = CASE
            WHEN v_target IN ('paid', 'refunded', 'disputed') THEN coalesce(o.paid_at, now())
            ELSE o.paid_at
        END,
        failed_at = CASE WHEN v_target = 'failed' THEN coalesce(o.failed_at, now()) ELSE o.failed_at END,
        refunded_at = CASE
            WHEN p_payment.amount_refunded > 0 THEN coalesce(o.refunded_at, now())
            ELSE o.refunded_at
        END,
        disputed_at = coalesce(v_disputed_at, o.disputed_at)
    WHERE o.id = p_order_id;
END
$$;

COMMENT ON FUNCTION payments.apply_payment_to_order(uuid, payments.payment_history) IS
'Sets an order from its payment: status (the app''s fulfilled is kept), amounts, links, timestamps.
An order with an amount or currency is not paid by a smaller payment or one in another currency.';

CREATE OR REPLACE FUNCTION payments.project_payment_to_orders(p_payment payments.payment_history)
RETURNS void
LANGUAGE plpgsql
AS $$
DECLARE
    v_void text;  -- takes what a call returns (see 010_helpers.sql)
    v_order_id uuid;
BEGIN
    IF p_payment.type <> 'one_time_payment' THEN
        RETURN;
    END IF;
    -- One index probe per way an order can be named (an OR of them, one arm a subquery, would
    -- read the whole orders table), then the orders locked in id order.
    FOR v_order_id IN
        SELECT o.id FROM public.orders AS o
        WHERE o.environment = p_payment.environment
            AND o.id IN (
                SELECT x.id FROM public.orders AS x
                WHERE x.environment = p_payment.environment
                    AND x.id = ANY(ARRAY[
                        payments.try_uuid(p_payment.metadata ->> 'order_id'),
                        payments.try_uuid(p_payment.metadata ->> 'pgpay_order_id')
                    ])
                UNION ALL
                SELECT x.id FROM public.orders AS x
                WHERE x.environment = p_payment.environment
                    AND x.stripe_checkout_session_id = p_payment.stripe_checkout_session_id
                UNION ALL
                SELECT x.id FROM public.orders AS x
                WHERE x.environment = p_payment.environment
                    AND x.stripe_payment_intent_id = p_payment.stripe_payment_intent_id
                UNION ALL
                SELECT cs.order_id FROM payments.checkout_sessions AS cs
                WHERE cs.environment = p_payment.environment
                    AND cs.stripe_checkout_session_id = p_payment.stripe_checkout_session_id
            )
            -- Checked again on the order itself: an order relinked while this waited for its
            -- lock is tested on what it says now.
            AND (
                o.id = ANY(ARRAY[
                    payments.try_uuid(p_payment.metadata ->> 'order_id'),
                    payments.try_uuid(p_payment.metadata ->> 'pgpay_order_id')
                ])
                OR o.stripe_checkout_session_id = p_payment.stripe_checkout_session_id
                OR o.stripe_payment_intent_id = p_payment.stripe_payment_intent_id
                OR o.id IN (
                    SELECT cs.order_id FROM payments.checkout_sessions AS cs
                    WHERE cs.environment = p_payment.environment
                        AND cs.stripe_checkout_session_id = p_payment.stripe_checkout_session_id
                )
            )
        ORDER BY o.id
        FOR UPDATE OF o
    LOOP
        v_void := payments.apply_payment_to_order(v_order_id, p_payment);
    END LOOP;
END
$$;

COMMENT ON FUNCTION payments.project_payment_to_orders(payments.payment_history) IS
'Updates the orders a one-time payment pays for: matched by checkout-session metadata order_id, the
checkout session or payment intent stored on the order, or the pgpay checkout row''s order_id.';

CREATE OR REPLACE FUNCTION payments.refresh_order(p_order_id uuid)
RETURNS void
LANGUAGE plpgsql
AS $$
DECLARE
    v_void text;  -- takes what a call returns (see 010_helpers.sql)
    v_order public.orders;
    v_payment payments.payment_history;
BEGIN
    SELECT * INTO v_order FROM public.orders AS o WHERE o.id = p_order_id;
    IF NOT FOUND THEN
        RETURN;
    END IF;
    -- One index probe per way the payment can be named (an OR of them, one arm a subquery, would
    -- read the whole payment_history table).
    SELECT h.* INTO v_payment FROM payments.payment_history AS h
    WHERE h.id IN (
        SELECT p.id FROM payments.payment_history AS p
        WHERE p.environment = v_order.environment AND p.type = 'one_time_payment'
            AND p.stripe_checkout_session_id = v_order.stripe_checkout_session_id
        UNION ALL
        SELECT p.id FROM payments.payment_history AS p
        WHERE p.environment = v_order.environment AND p.type = 'one_time_payment'
            AND p.stripe_payment_intent_id = v_order.stripe_payment_intent_id
        UNION ALL
        SELECT p.id FROM payments.checkout_sessions AS cs
        INNER JOIN payments.payment_history AS p
            ON p.environment = cs.environment AND p.stripe_checkout_session_id = cs.stripe_checkout_session_id
        WHERE cs.order_id = v_order.id AND cs.environment = v_order.environment
            AND p.type = 'one_time_payment'
    )
    ORDER BY payments.payment_status_rank(h.type, h.status) DESC, h.id
    LIMIT 1;
    IF FOUND THEN
        v_void := payments.apply_payment_to_order(v_order.id, v_payment);
    END IF;
END
$$;

COMMENT ON FUNCTION payments.refresh_order(uuid) IS
'Re-derives an order''s status from the payment already recorded for it (an order linked after the
payment arrived catches up).';

CREATE OR REPLACE FUNCTION payments.tg_orders__catch_up()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog
AS $$
DECLARE
    v_void text;  -- takes what a call returns (see 010_helpers.sql)
BEGIN
    v_void := payments.refresh_order(NEW.id);
    RETURN NULL;
END
$$;

CREATE OR REPLACE TRIGGER _200_catch_up_with_payment
AFTER INSERT OR UPDATE OF stripe_checkout_session_id, stripe_payment_intent_id ON public.orders
FOR EACH ROW WHEN (pg_trigger_depth() = 0)
EXECUTE FUNCTION payments.tg_orders__catch_up();

CREATE OR REPLACE FUNCTION payments.tg_checkout_sessions__reproject_payment()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog
AS $$
DECLARE
    v_void text;  -- takes what a call returns (see 010_helpers.sql)
    v_payment payments.payment_history;
BEGIN
    IF NEW.stripe_checkout_session_id IS NULL THEN
        RETURN NULL;
    END IF;
    -- The payment may have been recorded before pgpay stored what the session bought or which
    -- order it pays: project it again now that it is known.
    FOR v_payment IN
        SELECT h.* FROM payments.payment_history AS h
        WHERE h.environment = NEW.environment AND h.type = 'one_time_payment'
            AND h.stripe_checkout_session_id = NEW.stripe_checkout_session_id
    LOOP
        v_void := payments.project_payment(v_payment);
    END LOOP;
    RETURN NULL;
END
$$;

COMMENT ON FUNCTION payments.tg_checkout_sessions__reproject_payment() IS
'Re-projects a checkout session''s payment when pgpay stores its line items, order or Stripe id late.';

CREATE OR REPLACE TRIGGER _200_reproject_payment
AFTER INSERT OR UPDATE OF line_items, order_id, stripe_checkout_session_id ON payments.checkout_sessions
FOR EACH ROW WHEN (new.order_id IS NOT NULL OR new.line_items <> '[]'::jsonb)
EXECUTE FUNCTION payments.tg_checkout_sessions__reproject_payment();
