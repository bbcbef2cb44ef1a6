-- Drops the line-items index of 0006 (the reprojection falls back to reading every session).
DROP INDEX IF EXISTS payments.checkout_sessions_line_items_idx;
