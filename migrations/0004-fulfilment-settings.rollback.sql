-- Drops payments.settings and the fulfilment lookup indexes.
DROP INDEX IF EXISTS payments.checkout_sessions_order_idx;
DROP INDEX IF EXISTS public.user_entitlements_source_idx;
DROP INDEX IF EXISTS public.credit_ledger_payment_history_idx;
DROP TABLE IF EXISTS payments.settings;
