-- AFTER triggers on the payments mirror that project into the public fulfilment tables, in the
-- same transaction as the event that changed the mirror.

CREATE OR REPLACE FUNCTION payments.tg_payment_history__project_fulfilment()
RETURNS trigger
LANGUAGE plpgsql
AS $$
DECLARE
    v_parent payments.payment_history;
BEGIN
    IF NEW.type = 'dispute' THEN
        v_parent := payments.parent_payment(NEW.environment, NEW.stripe_payment_intent_id, NEW.stripe_charge_id);
        IF v_parent.id IS NULL THEN
            RETURN NULL;
        END IF;
    ELSIF NEW.type = 'refund' THEN
        RETURN NULL;
    ELSE
        v_parent := NEW;
    END IF;
    PERFORM payments.project_payment_to_orders(v_parent);
    PERFORM payments.sync_payment_credits(v_parent);
    PERFORM payments.refresh_payment_entitlements(v_parent);
    RETURN NULL;
END
$$;

COMMENT ON FUNCTION payments.tg_payment_history__project_fulfilment() IS
'Projects a payment (or a dispute on it) into orders, the credit ledger and user entitlements.';

CREATE OR REPLACE TRIGGER _200_project_fulfilment
AFTER INSERT ON payments.payment_history
FOR EACH ROW EXECUTE FUNCTION payments.tg_payment_history__project_fulfilment();

-- Only changes fulfilment depends on re-project (most events just refresh a snapshot).
CREATE OR REPLACE TRIGGER _201_project_fulfilment_on_change
AFTER UPDATE ON payments.payment_history
FOR EACH ROW WHEN (
    (old.status, old.amount, old.amount_refunded, old.subject_type, old.subject_id,
        old.stripe_checkout_session_id, old.stripe_payment_intent_id, old.metadata)
    IS DISTINCT FROM
    (new.status, new.amount, new.amount_refunded, new.subject_type, new.subject_id,
        new.stripe_checkout_session_id, new.stripe_payment_intent_id, new.metadata)
)
EXECUTE FUNCTION payments.tg_payment_history__project_fulfilment();

CREATE OR REPLACE FUNCTION payments.tg_subscriptions__project_fulfilment()
RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
    IF NEW.subject_type IS NULL THEN
        RETURN NULL;
    END IF;
    IF NEW.subject_type = 'user' THEN
        PERFORM payments.refresh_subscription_entitlements(NEW.environment, NEW.stripe_subscription_id);
    ELSE
        PERFORM payments.refresh_team_billing_status(NEW.environment, NEW.subject_type, NEW.subject_id);
    END IF;
    RETURN NULL;
END
$$;

COMMENT ON FUNCTION payments.tg_subscriptions__project_fulfilment() IS
'Projects a subscription into user_entitlements (user subjects) or team_billing_status (groups).';

CREATE OR REPLACE TRIGGER _200_project_fulfilment
AFTER INSERT ON payments.subscriptions
FOR EACH ROW EXECUTE FUNCTION payments.tg_subscriptions__project_fulfilment();

CREATE OR REPLACE TRIGGER _201_project_fulfilment_on_change
AFTER UPDATE ON payments.subscriptions
FOR EACH ROW WHEN (
    (old.status, old.subject_type, old.subject_id, old.stripe_price_id, old.stripe_product_id,
        old.quantity, old.cancel_at_period_end, old.current_period_start, old.current_period_end,
        old.trial_start, old.trial_end, old.ended_at, old.canceled_at, old.raw -> 'items')
    IS DISTINCT FROM
    (new.status, new.subject_type, new.subject_id, new.stripe_price_id, new.stripe_product_id,
        new.quantity, new.cancel_at_period_end, new.current_period_start, new.current_period_end,
        new.trial_start, new.trial_end, new.ended_at, new.canceled_at, new.raw -> 'items')
)
EXECUTE FUNCTION payments.tg_subscriptions__project_fulfilment();
