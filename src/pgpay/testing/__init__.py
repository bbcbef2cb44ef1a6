"""Test tools for pgpay and for apps built on it (a pytest plugin, enabled by an entry point).

- `pgpay_postgres`: one throw-away PostgreSQL per test session (testing.postgresql; run as the
  `postgres` OS user when the tests run as root);
- `pgpay_database_url` / `pgpay_db`: a fresh, fully migrated database per test, copied from a
  template built once per session;
- `pgpay.testing.events`: Stripe-shaped objects and events; `pgpay.testing.signing`: signatures
  made exactly as Stripe makes them.
"""
