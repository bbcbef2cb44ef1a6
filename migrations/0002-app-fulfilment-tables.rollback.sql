-- Drops the app-owned fulfilment tables (and the data in them).
DROP TABLE IF EXISTS public.team_billing_status;
DROP TABLE IF EXISTS public.user_entitlements;
DROP TABLE IF EXISTS public.credit_ledger;
DROP TABLE IF EXISTS public.orders;
