-- Drops payments.memberships and undoes 0003's constraint changes; takes back what pgpay_writer owns
-- or was granted in this database. The cluster-wide role pgpay_writer itself stays (other databases may use it).
DROP TABLE IF EXISTS payments.memberships;

ALTER TABLE payments.subject_types DROP CONSTRAINT IF EXISTS subject_types_type_group_key;

ALTER DOMAIN payments.subject_id
RENAME CONSTRAINT "subject_id must be 1-255 of [A-Za-z0-9_.:@|-], alnum first" TO subject_id_check;

REASSIGN OWNED BY pgpay_writer TO CURRENT_USER;
DROP OWNED BY pgpay_writer;
