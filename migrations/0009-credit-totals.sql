-- A running balance per billing subject beside the append-only credit ledger: a spend reads one
-- row instead of summing every entry its subject ever had, so it costs the same at the
-- millionth entry as at the first. Filled as entries arrive: a subject's row appears with its
-- first ledger entry after this migration, starting from the sum of everything it had.
-- A new, empty table: no lock on the ledger.
-- depends: 0008-cheaper-write-checks

CREATE TABLE payments.credit_totals (
    environment payments.stripe_environment NOT NULL,
    subject_type text NOT NULL,
    subject_id payments.subject_id NOT NULL,
    balance bigint NOT NULL,
    CONSTRAINT credit_totals_pkey PRIMARY KEY (environment, subject_type, subject_id)
);

ALTER TABLE payments.credit_totals ENABLE ROW LEVEL SECURITY;
ALTER TABLE payments.credit_totals FORCE ROW LEVEL SECURITY;

COMMENT ON TABLE payments.credit_totals IS
'The sum of public.credit_ledger per subject, kept by a trigger on every ledger entry; read by
payments.spend_credits. A subject without a row has had no entry since the table exists.';
