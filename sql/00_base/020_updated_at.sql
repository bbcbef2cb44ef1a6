-- Keeps updated_at current on every pgpay table that has one.
CREATE OR REPLACE FUNCTION payments.tg_any__set_updated_at()
RETURNS trigger
LANGUAGE plpgsql
-- No SET search_path: it runs with the writer's own rights (not SECURITY DEFINER) and names
-- nothing a search path could redirect (now() is qualified; a row comparison's operator is found
-- in pg_catalog first). The setting cost a save and restore of the path on every updated row.
AS $$
BEGIN
    IF NEW IS DISTINCT FROM OLD THEN
        NEW.updated_at := pg_catalog.now();
    ELSE
        NEW.updated_at := OLD.updated_at;
    END IF;
    RETURN NEW;
END
$$;

COMMENT ON FUNCTION payments.tg_any__set_updated_at() IS
'Trigger function: sets updated_at to now() when a row really changes.';

CREATE OR REPLACE TRIGGER _100_set_updated_at BEFORE UPDATE ON payments.webhook_events
FOR EACH ROW EXECUTE FUNCTION payments.tg_any__set_updated_at();
CREATE OR REPLACE TRIGGER _100_set_updated_at BEFORE UPDATE ON payments.stripe_customer_mappings
FOR EACH ROW EXECUTE FUNCTION payments.tg_any__set_updated_at();
CREATE OR REPLACE TRIGGER _100_set_updated_at BEFORE UPDATE ON payments.checkout_sessions
FOR EACH ROW EXECUTE FUNCTION payments.tg_any__set_updated_at();
CREATE OR REPLACE TRIGGER _100_set_updated_at BEFORE UPDATE ON payments.customer_portal_sessions
FOR EACH ROW EXECUTE FUNCTION payments.tg_any__set_updated_at();
CREATE OR REPLACE TRIGGER _100_set_updated_at BEFORE UPDATE ON payments.customers
FOR EACH ROW EXECUTE FUNCTION payments.tg_any__set_updated_at();
CREATE OR REPLACE TRIGGER _100_set_updated_at BEFORE UPDATE ON payments.products
FOR EACH ROW EXECUTE FUNCTION payments.tg_any__set_updated_at();
CREATE OR REPLACE TRIGGER _100_set_updated_at BEFORE UPDATE ON payments.prices
FOR EACH ROW EXECUTE FUNCTION payments.tg_any__set_updated_at();
CREATE OR REPLACE TRIGGER _100_set_updated_at BEFORE UPDATE ON payments.subscriptions
FOR EACH ROW EXECUTE FUNCTION payments.tg_any__set_updated_at();
CREATE OR REPLACE TRIGGER _100_set_updated_at BEFORE UPDATE ON payments.subscription_items
FOR EACH ROW EXECUTE FUNCTION payments.tg_any__set_updated_at();
CREATE OR REPLACE TRIGGER _100_set_updated_at BEFORE UPDATE ON payments.payment_history
FOR EACH ROW EXECUTE FUNCTION payments.tg_any__set_updated_at();
CREATE OR REPLACE TRIGGER _100_set_updated_at BEFORE UPDATE ON payments.connections
FOR EACH ROW EXECUTE FUNCTION payments.tg_any__set_updated_at();
CREATE OR REPLACE TRIGGER _100_set_updated_at BEFORE UPDATE ON public.orders
FOR EACH ROW EXECUTE FUNCTION payments.tg_any__set_updated_at();
CREATE OR REPLACE TRIGGER _100_set_updated_at BEFORE UPDATE ON public.user_entitlements
FOR EACH ROW EXECUTE FUNCTION payments.tg_any__set_updated_at();
CREATE OR REPLACE TRIGGER _100_set_updated_at BEFORE UPDATE ON public.team_billing_status
FOR EACH ROW EXECUTE FUNCTION payments.tg_any__set_updated_at();
