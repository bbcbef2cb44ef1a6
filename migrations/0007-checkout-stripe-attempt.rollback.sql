-- Drops the attempt counter of 0007 (retries then reuse the first idempotency key).
ALTER TABLE payments.checkout_sessions DROP COLUMN IF EXISTS stripe_attempt;
