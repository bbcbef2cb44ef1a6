-- Finds the checkout sessions that bought a price (a price or product that arrives after its
-- payments re-projects them) through an index instead of reading every session.
-- Plain CREATE INDEX: a write lock on checkout_sessions while it builds (only sessions created
-- through pgpay's checkout route carry line items).
-- depends: 0005-invoice-payment-lookup

CREATE INDEX checkout_sessions_line_items_idx
ON payments.checkout_sessions USING gin (line_items jsonb_path_ops)
WHERE line_items <> '[]'::jsonb;
