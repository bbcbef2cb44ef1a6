-- Drops the app-owned fulfilment tables (and the data in them), with the views sql/ built on them.
DROP TABLE IF EXISTS public.team_billing_status CASCADE;
DROP TABLE IF EXISTS public.user_entitlements CASCADE;
DROP TABLE IF EXISTS public.credit_ledger CASCADE;
DROP TABLE IF EXISTS public.orders CASCADE;
