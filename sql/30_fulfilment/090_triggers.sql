-- AFTER triggers on the payments mirror that project into the public fulfilment tables, in the
-- same transaction as the event that changed the mirror.

CREATE OR REPLACE FUNCTION payments.tg_payment_history__project_fulfilment()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog
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
AFTER INSERT OR UPDATE ON payments.payment_history
FOR EACH ROW EXECUTE FUNCTION payments.tg_payment_history__project_fulfilment();

CREATE OR REPLACE FUNCTION payments.tg_subscriptions__project_fulfilment()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog
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
AFTER INSERT OR UPDATE ON payments.subscriptions
FOR EACH ROW EXECUTE FUNCTION payments.tg_subscriptions__project_fulfilment();
