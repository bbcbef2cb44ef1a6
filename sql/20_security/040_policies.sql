-- End-user row-level security: what anon and authenticated callers may insert and see. Everything not
-- allowed here is denied (default deny, sql/99_grants); the grants these policies need are in 100_security_grants.

-- Checkout sessions: inserted under the caller's role and claims by the runtime, re-read for retries.
DROP POLICY IF EXISTS checkout_sessions__insert__anon ON payments.checkout_sessions;
CREATE POLICY checkout_sessions__insert__anon ON payments.checkout_sessions
AS PERMISSIVE FOR INSERT TO anon
WITH CHECK (mode = 'payment' AND subject_type IS NULL AND subject_id IS NULL AND created_by IS NULL);
COMMENT ON POLICY checkout_sessions__insert__anon ON payments.checkout_sessions IS
'An anonymous caller may only create a one-time (payment mode) checkout without a subject.';

DROP POLICY IF EXISTS checkout_sessions__insert__authenticated ON payments.checkout_sessions;
CREATE POLICY checkout_sessions__insert__authenticated ON payments.checkout_sessions
AS PERMISSIVE FOR INSERT TO authenticated
WITH CHECK (
    created_by IS NOT DISTINCT FROM (SELECT payments.current_user_id())
    AND CASE
        WHEN subject_type IS NULL AND subject_id IS NULL THEN mode = 'payment'
        ELSE payments.can_act_for_subject(subject_type, subject_id)
    END
);
COMMENT ON POLICY checkout_sessions__insert__authenticated ON payments.checkout_sessions IS
'A signed-in caller may create, as itself, a one-time checkout without a subject, or any checkout for a
subject it may act for: itself as a user subject, or a group it is a billing admin (owner, admin) of.
Subscription and setup checkouts always need a subject.';

DROP POLICY IF EXISTS checkout_sessions__select__creator ON payments.checkout_sessions;
CREATE POLICY checkout_sessions__select__creator ON payments.checkout_sessions
AS PERMISSIVE FOR SELECT TO authenticated
USING (created_by = (SELECT payments.current_user_id()));
COMMENT ON POLICY checkout_sessions__select__creator ON payments.checkout_sessions IS
'A signed-in caller may read the checkout sessions it created (to retry idempotently), nobody else''s.';

-- Billing Portal sessions: signed-in callers only, for a subject they may manage.
DROP POLICY IF EXISTS customer_portal_sessions__insert__authenticated ON payments.customer_portal_sessions;
CREATE POLICY customer_portal_sessions__insert__authenticated ON payments.customer_portal_sessions
AS PERMISSIVE FOR INSERT TO authenticated
WITH CHECK (
    created_by = (SELECT payments.current_user_id())
    AND payments.can_act_for_subject(subject_type, subject_id)
);
COMMENT ON POLICY customer_portal_sessions__insert__authenticated ON payments.customer_portal_sessions IS
'A signed-in caller may open a billing portal session, as itself, for itself or for a group it is a
billing admin of. Anonymous callers never may.';

DROP POLICY IF EXISTS customer_portal_sessions__select__creator ON payments.customer_portal_sessions;
CREATE POLICY customer_portal_sessions__select__creator ON payments.customer_portal_sessions
AS PERMISSIVE FOR SELECT TO authenticated
USING (created_by = (SELECT payments.current_user_id()));
COMMENT ON POLICY customer_portal_sessions__select__creator ON payments.customer_portal_sessions IS
'A signed-in caller may read the billing portal sessions it opened, nobody else''s.';

-- The catalog: what is for sale is public, as on a pricing page.
DROP POLICY IF EXISTS products__select__everyone ON payments.products;
CREATE POLICY products__select__everyone ON payments.products
AS PERMISSIVE FOR SELECT TO anon, authenticated
USING (active AND NOT deleted);
COMMENT ON POLICY products__select__everyone ON payments.products IS
'Anyone, signed in or not, may read active products (the catalog); archived and deleted ones stay hidden.';

DROP POLICY IF EXISTS prices__select__everyone ON payments.prices;
CREATE POLICY prices__select__everyone ON payments.prices
AS PERMISSIVE FOR SELECT TO anon, authenticated
USING (active AND NOT deleted);
COMMENT ON POLICY prices__select__everyone ON payments.prices IS
'Anyone, signed in or not, may read active prices (the catalog); archived and deleted ones stay hidden.';

-- Subjects: the list of types is configuration anyone may read; memberships only one's own.
DROP POLICY IF EXISTS subject_types__select__everyone ON payments.subject_types;
CREATE POLICY subject_types__select__everyone ON payments.subject_types
AS PERMISSIVE FOR SELECT TO anon, authenticated
USING (TRUE);
COMMENT ON POLICY subject_types__select__everyone ON payments.subject_types IS
'Anyone may read which billing subject types exist (user, team, organization, ...).';

DROP POLICY IF EXISTS memberships__select__self ON payments.memberships;
CREATE POLICY memberships__select__self ON payments.memberships
AS PERMISSIVE FOR SELECT TO authenticated
USING (user_id::text = (SELECT payments.current_user_id()));
COMMENT ON POLICY memberships__select__self ON payments.memberships IS
'A signed-in caller may read its own memberships (which groups it belongs to, and as what), nobody else''s.';

-- The app's fulfilment tables: read-only for the subject itself or the members of the group subject.
DROP POLICY IF EXISTS orders__select__subject ON public.orders;
CREATE POLICY orders__select__subject ON public.orders
AS PERMISSIVE FOR SELECT TO authenticated
USING (
    -- (a user's own rows compare with the caller's id worked out once per query; the function
    -- would read the claims again for every row)
    CASE
        WHEN subject_type = 'user' THEN subject_id = (SELECT payments.current_user_id())
        WHEN subject_type IS NULL THEN created_by = (SELECT payments.current_user_id())
        ELSE payments.can_read_subject(subject_type, subject_id)
    END
);
COMMENT ON POLICY orders__select__subject ON public.orders IS
'A signed-in caller may read its own orders and the orders of groups it is a member of (and orders without
a subject that it created).';

DROP POLICY IF EXISTS credit_ledger__select__subject ON public.credit_ledger;
CREATE POLICY credit_ledger__select__subject ON public.credit_ledger
AS PERMISSIVE FOR SELECT TO authenticated
USING (
    CASE
        WHEN subject_type = 'user' THEN subject_id = (SELECT payments.current_user_id())
        ELSE payments.can_read_subject(subject_type, subject_id)
    END
);
COMMENT ON POLICY credit_ledger__select__subject ON public.credit_ledger IS
'A signed-in caller may read its own credit entries and those of groups it is a member of. Spending goes
through payments.spend_credits only.';

DROP POLICY IF EXISTS user_entitlements__select__self ON public.user_entitlements;
CREATE POLICY user_entitlements__select__self ON public.user_entitlements
AS PERMISSIVE FOR SELECT TO authenticated
USING (user_id::text = (SELECT payments.current_user_id()));
COMMENT ON POLICY user_entitlements__select__self ON public.user_entitlements IS
'A signed-in caller may read its own entitlements, nobody else''s.';

DROP POLICY IF EXISTS team_billing_status__select__member ON public.team_billing_status;
CREATE POLICY team_billing_status__select__member ON public.team_billing_status
AS PERMISSIVE FOR SELECT TO authenticated
USING (payments.can_read_subject(subject_type, subject_id));
COMMENT ON POLICY team_billing_status__select__member ON public.team_billing_status IS
'A signed-in caller may read the billing status of groups it is a member of.';
