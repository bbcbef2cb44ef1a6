-- Drops the running balances of 0009 (spends sum the ledger again).
DROP TABLE IF EXISTS payments.credit_totals;
