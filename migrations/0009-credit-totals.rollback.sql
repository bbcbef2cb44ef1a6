-- Drops the running balances of 0009 and the triggers that keep them (the sql/ of a release
-- before 0009 has spend_credits sum the ledger again).
DROP TRIGGER IF EXISTS _200_total ON public.credit_ledger;
DROP TRIGGER IF EXISTS _200_truncate_totals ON public.credit_ledger;
DROP FUNCTION IF EXISTS payments.tg_credit_ledger__total();
DROP FUNCTION IF EXISTS payments.tg_credit_ledger__truncate_totals();
DROP TABLE IF EXISTS payments.credit_totals;
