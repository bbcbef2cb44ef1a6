"""pgpay: Stripe payments run from inside PostgreSQL."""

__version__ = "0.1.0"
