-- The grants the policies of sql/20_security need, applied after the default deny (000) revoked everything.
-- End users get only these; pgpay_writer gets the commands the ingest path uses.

-- pgpay_writer: the ingest path reads and writes the mirror and projects into the fulfilment tables.
-- (First, so that re-applying this file keeps every privilege list in the same order.)
-- The credit ledger is append-only, so no UPDATE or DELETE there; subject types and memberships are
-- read, never written.
GRANT USAGE ON SCHEMA payments TO pgpay_writer;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA payments TO pgpay_writer;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA payments TO pgpay_writer;
REVOKE INSERT, UPDATE, DELETE ON payments.subject_types, payments.memberships FROM pgpay_writer;
GRANT SELECT, INSERT, UPDATE, DELETE ON public.orders, public.user_entitlements, public.team_billing_status
TO pgpay_writer;
GRANT SELECT, INSERT ON public.credit_ledger TO pgpay_writer;

-- Claim and subject helpers: policies call them as the caller.
GRANT EXECUTE ON FUNCTION
payments.current_claims(),
payments.current_role(),
payments.current_user_id(),
payments.current_user_uuid(),
payments.is_subject_id(text),
payments.is_group_subject_type(text),
payments.current_membership_role(text, text),
payments.is_member(text, text),
payments.is_billing_admin(text, text),
payments.can_act_for_subject(text, text),
payments.can_read_subject(text, text),
payments.can_spend_for_subject(text, text)
TO anon, authenticated;

-- Spending credits is the one write end users make to the fulfilment tables (the function checks
-- payments.can_spend_for_subject); anonymous callers have nothing to spend.
GRANT EXECUTE ON FUNCTION payments.spend_credits(text, text, text, bigint, text, text) TO authenticated;
-- A balance in one check (the function applies the credit_ledger policy's rule itself).
GRANT EXECUTE ON FUNCTION payments.credit_balance(text, text, text) TO authenticated;

-- Checkout and portal sessions: insert only the request columns (status, Stripe ids and URLs are set
-- by pgpay, not by the caller; anonymous callers cannot even name a subject or a creator), read
-- one's own rows.
GRANT INSERT (
    id, environment, mode, customer_email, order_id, line_items, success_url, cancel_url, metadata,
    idempotency_key, request_hash
) ON payments.checkout_sessions TO anon;
GRANT INSERT (
    id, environment, mode, subject_type, subject_id, created_by, customer_email, order_id, line_items,
    success_url, cancel_url, metadata, idempotency_key, request_hash
) ON payments.checkout_sessions TO authenticated;
GRANT SELECT ON payments.checkout_sessions TO authenticated;
GRANT INSERT (id, environment, subject_type, subject_id, created_by, return_url)
ON payments.customer_portal_sessions TO authenticated;
GRANT SELECT ON payments.customer_portal_sessions TO authenticated;

-- The catalog and the list of subject types are public; memberships, one's own.
GRANT SELECT ON payments.products, payments.prices, payments.subject_types TO anon, authenticated;
GRANT SELECT ON payments.memberships TO authenticated;

-- The fulfilment tables, read-only (the policies keep each caller to its own subjects).
GRANT SELECT ON public.orders, public.credit_ledger, public.credit_balances, public.user_entitlements,
public.team_billing_status TO authenticated;
