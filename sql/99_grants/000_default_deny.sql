-- Default deny, applied last so it covers every object the layers above created:
-- end-user roles reach the schema but no table, sequence or function; later files grant exactly what policies need.
GRANT USAGE ON SCHEMA payments TO anon, authenticated;
REVOKE ALL ON ALL TABLES IN SCHEMA payments FROM public, anon, authenticated;
REVOKE ALL ON ALL SEQUENCES IN SCHEMA payments FROM public, anon, authenticated;
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA payments FROM public, anon, authenticated;
REVOKE ALL ON public.orders, public.credit_ledger, public.user_entitlements,
public.team_billing_status FROM public, anon, authenticated;
REVOKE ALL ON SCHEMA pgpay_migrations FROM public;
