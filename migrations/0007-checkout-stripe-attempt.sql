-- Counts the attempts of a checkout session that Stripe answered with an error it keeps under the
-- request's idempotency key (a 500, a card error) and replays for 24 hours: the next attempt
-- uses a new key. A new column with a constant default: no table rewrite.
-- depends: 0006-checkout-line-items-index

ALTER TABLE payments.checkout_sessions
ADD COLUMN stripe_attempt integer NOT NULL DEFAULT 0;

COMMENT ON COLUMN payments.checkout_sessions.stripe_attempt IS
'Attempts Stripe answered with an error it keeps under the idempotency key; part of the next key.';
