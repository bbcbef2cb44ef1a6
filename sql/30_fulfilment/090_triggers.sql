-- AFTER triggers on the payments mirror that project into the public fulfilment tables, in the
-- same transaction as the event that changed the mirror.

CREATE OR REPLACE FUNCTION payments.project_payment(p_payment payments.payment_history)
RETURNS void
LANGUAGE plpgsql
AS $$
DECLARE
    v_void text;  -- takes what a call returns (see 010_helpers.sql)
BEGIN
    v_void := payments.project_payment_to_orders(p_payment);
    v_void := payments.sync_payment_credits(p_payment);
    v_void := payments.refresh_payment_entitlements(p_payment);
END
$$;

COMMENT ON FUNCTION payments.project_payment(payments.payment_history) IS
'Projects one payment into orders, the credit ledger and user entitlements (each step idempotent).';

CREATE OR REPLACE FUNCTION payments.tg_payment_history__project_fulfilment()
RETURNS trigger
LANGUAGE plpgsql
AS $$
DECLARE
    v_void text;  -- takes what a call returns (see 010_helpers.sql)
    v_parent payments.payment_history;
BEGIN
    IF NEW.type = 'refund' THEN
        RETURN NULL;  -- a refund reaches fulfilment through its payment's refunded amount
    END IF;
    -- Only changes fulfilment depends on re-project (most events just refresh a snapshot). Tested
    -- here rather than in the trigger's WHEN clause: PostgreSQL 15 reads a WHEN clause back from
    -- its stored node text and plans it again for every UPDATE statement, which costs more than
    -- calling this function for every row.
    IF TG_OP = 'UPDATE'
        AND (OLD.status, OLD.amount, OLD.amount_refunded, OLD.subject_type, OLD.subject_id,
            OLD.stripe_checkout_session_id, OLD.stripe_payment_intent_id, OLD.metadata)
        IS NOT DISTINCT FROM
            (NEW.status, NEW.amount, NEW.amount_refunded, NEW.subject_type, NEW.subject_id,
            NEW.stripe_checkout_session_id, NEW.stripe_payment_intent_id, NEW.metadata) THEN
        RETURN NULL;
    END IF;
    IF NEW.type = 'dispute' THEN
        v_parent := payments.parent_payment(NEW.environment, NEW.stripe_payment_intent_id, NEW.stripe_charge_id);
        IF v_parent.id IS NULL THEN
            RETURN NULL;
        END IF;
    ELSE
        v_parent := NEW;
    END IF;
    v_void := payments.project_payment(v_parent);
    RETURN NULL;
END
$$;

COMMENT ON FUNCTION payments.tg_payment_history__project_fulfilment() IS
'Projects a payment (or a dispute on it) into orders, the credit ledger and user entitlements, when it
is new or changed in what fulfilment depends on.';

CREATE OR REPLACE TRIGGER _200_project_fulfilment
AFTER INSERT ON payments.payment_history
FOR EACH ROW EXECUTE FUNCTION payments.tg_payment_history__project_fulfilment();

CREATE OR REPLACE TRIGGER _201_project_fulfilment_on_change
AFTER UPDATE ON payments.payment_history
FOR EACH ROW EXECUTE FUNCTION payments.tg_payment_history__project_fulfilment();

CREATE OR REPLACE FUNCTION payments.tg_subscriptions__project_fulfilment()
RETURNS trigger
LANGUAGE plpgsql
AS $$
DECLARE
    v_void text;  -- takes what a call returns (see 010_helpers.sql)
BEGIN
    -- Only changes fulfilment depends on re-project (see tg_payment_history__project_fulfilment).
    IF TG_OP = 'UPDATE'
        AND (OLD.status, OLD.subject_type, OLD.subject_id, OLD.stripe_price_id, OLD.stripe_product_id,
            OLD.quantity, OLD.cancel_at_period_end, OLD.current_period_start, OLD.current_period_end,
            OLD.trial_start, OLD.trial_end, OLD.ended_at, OLD.canceled_at, OLD.raw -> 'items')
        IS NOT DISTINCT FROM
            (NEW.status, NEW.subject_type, NEW.subject_id, NEW.stripe_price_id, NEW.stripe_product_id,
            NEW.quantity, NEW.cancel_at_period_end, NEW.current_period_start, NEW.current_period_end,
            NEW.trial_start, NEW.trial_end, NEW.ended_at, NEW.canceled_at, NEW.raw -> 'items') THEN
        RETURN NULL;
    END IF;
    IF NEW.subject_type IS NULL THEN
        RETURN NULL;
    END IF;
    IF NEW.subject_type = 'user' THEN
        v_void := payments.refresh_subscription_entitlements(NEW.environment, NEW.stripe_subscription_id);
    ELSE
        v_void := payments.refresh_team_billing_status(NEW.environment, NEW.subject_type, NEW.subject_id);
    END IF;
    RETURN NULL;
END
$$;

COMMENT ON FUNCTION payments.tg_subscriptions__project_fulfilment() IS
'Projects a subscription into user_entitlements (user subjects) or team_billing_status (groups), when
it is new or changed in what fulfilment depends on.';

CREATE OR REPLACE TRIGGER _200_project_fulfilment
AFTER INSERT ON payments.subscriptions
FOR EACH ROW EXECUTE FUNCTION payments.tg_subscriptions__project_fulfilment();

CREATE OR REPLACE TRIGGER _201_project_fulfilment_on_change
AFTER UPDATE ON payments.subscriptions
FOR EACH ROW EXECUTE FUNCTION payments.tg_subscriptions__project_fulfilment();

CREATE OR REPLACE FUNCTION payments.reproject_catalog_item(
    p_environment text, p_price_id text, p_product_id text, p_credits boolean
)
RETURNS void
LANGUAGE plpgsql
-- Its lookups take either a price or a product: plans made for one were dearer than for the other,
-- so PostgreSQL re-planned them on every call (about 0.5 ms, a hundred times their run time).
-- The setting also holds for what it calls (refreshes, credit syncs): their plans are generic too.
SET plan_cache_mode = force_generic_plan
AS $$
DECLARE
    v_void text;  -- takes what a call returns (see 010_helpers.sql)
    v_sub payments.subscriptions;
    v_payment payments.payment_history;
    v_lines jsonb[];
BEGIN
    -- Subscriptions on this price or product: entitlements and team status read the catalog.
    FOR v_sub IN
        SELECT DISTINCT ON (s.stripe_subscription_id) s.*
        FROM payments.subscription_items AS i
        INNER JOIN payments.subscriptions AS s
            ON s.environment = i.environment AND s.stripe_subscription_id = i.stripe_subscription_id
        WHERE i.environment = p_environment AND NOT i.deleted
            AND (i.stripe_price_id = p_price_id OR i.stripe_product_id = p_product_id)
            AND s.subject_type IS NOT NULL
        ORDER BY s.stripe_subscription_id
    LOOP
        IF v_sub.subject_type = 'user' THEN
            v_void := payments.refresh_subscription_entitlements(p_environment, v_sub.stripe_subscription_id);
        ELSE
            v_void := payments.refresh_team_billing_status(p_environment, v_sub.subject_type, v_sub.subject_id);
        END IF;
        IF p_credits THEN
            FOR v_payment IN
                SELECT h.* FROM payments.payment_history AS h
                WHERE h.environment = p_environment AND h.type = 'subscription_invoice'
                    AND h.stripe_subscription_id = v_sub.stripe_subscription_id
            LOOP
                v_void := payments.sync_payment_credits(v_payment);
            END LOOP;
        END IF;
    END LOOP;
    -- One-time purchases of this price (or of the product's prices) through pgpay's checkout,
    -- found through the line-items index (checkout_sessions_line_items_idx).
    v_lines := ARRAY(
        SELECT jsonb_build_array(jsonb_build_object('price', p_price_id)) WHERE p_price_id IS NOT NULL
        UNION ALL
        SELECT jsonb_build_array(jsonb_build_object('price', p.stripe_price_id))
        FROM payments.prices AS p
        WHERE p_product_id IS NOT NULL AND p.environment = p_environment
            AND p.stripe_product_id = p_product_id
    );
    FOR v_payment IN
        SELECT h.* FROM payments.checkout_sessions AS cs
        INNER JOIN payments.payment_history AS h
            ON h.environment = cs.environment AND h.type = 'one_time_payment'
            AND h.stripe_checkout_session_id = cs.stripe_checkout_session_id
        WHERE cs.environment = p_environment AND cs.stripe_checkout_session_id IS NOT NULL
            -- The ids first, as an array: as a subquery (IN) the generic plan expects thousands of
            -- matches and reads all of checkout_sessions to join them.
            AND cs.id = ANY(ARRAY(
                SELECT b.id FROM payments.checkout_sessions AS b
                WHERE b.line_items <> '[]'::jsonb AND b.line_items @> ANY(v_lines)
            ))
    LOOP
        IF p_credits THEN
            v_void := payments.sync_payment_credits(v_payment);
        END IF;
        v_void := payments.refresh_payment_entitlements(v_payment);
    END LOOP;
END
$$;

COMMENT ON FUNCTION payments.reproject_catalog_item(text, text, text, boolean) IS
'Re-projects what depends on a price or product that arrived after the payments that used it (credits
included), or whose entitlements changed (entitlements only: credits follow the catalog at payment time).';

CREATE OR REPLACE FUNCTION payments.tg_catalog__reproject()
RETURNS trigger
LANGUAGE plpgsql
AS $$
DECLARE
    v_void text;  -- takes what a call returns (see 010_helpers.sql)
BEGIN
    IF TG_TABLE_NAME = 'prices' THEN
        v_void := payments.reproject_catalog_item(
            NEW.environment, NEW.stripe_price_id, NULL, TG_OP = 'INSERT'
        );
    ELSE
        v_void := payments.reproject_catalog_item(
            NEW.environment, NULL, NEW.stripe_product_id, TG_OP = 'INSERT'
        );
    END IF;
    RETURN NULL;
END
$$;

COMMENT ON FUNCTION payments.tg_catalog__reproject() IS
'A price or product seen for the first time, a price moved to another product or renamed (lookup key,
nickname), or a product whose entitlements or name changed re-projects the subscriptions and one-time
purchases that use it.';

CREATE OR REPLACE TRIGGER _200_reproject_on_arrival
AFTER INSERT ON payments.prices
FOR EACH ROW EXECUTE FUNCTION payments.tg_catalog__reproject();

-- A price already known changes what its buyers hold only by moving to another product (its
-- credits count at payment time; entitlements are the product's), and the plan name a team
-- sees through its lookup key or nickname.
CREATE OR REPLACE TRIGGER _201_reproject_on_change
AFTER UPDATE ON payments.prices
FOR EACH ROW WHEN (
    (old.stripe_product_id, old.lookup_key, old.nickname)
    IS DISTINCT FROM (new.stripe_product_id, new.lookup_key, new.nickname)
)
EXECUTE FUNCTION payments.tg_catalog__reproject();

CREATE OR REPLACE TRIGGER _200_reproject_on_arrival
AFTER INSERT ON payments.products
FOR EACH ROW EXECUTE FUNCTION payments.tg_catalog__reproject();

-- A product already known changes what its buyers hold only through its entitlements, and the
-- plan name a team sees through its name.
CREATE OR REPLACE TRIGGER _201_reproject_on_change
AFTER UPDATE ON payments.products
FOR EACH ROW WHEN (
    (old.metadata -> 'entitlements', old.name) IS DISTINCT FROM (new.metadata -> 'entitlements', new.name)
)
EXECUTE FUNCTION payments.tg_catalog__reproject();
