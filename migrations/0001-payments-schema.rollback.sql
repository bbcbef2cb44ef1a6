-- Drops the payments schema and everything in it. The cluster-wide roles anon and authenticated stay.
DROP SCHEMA IF EXISTS payments CASCADE;
