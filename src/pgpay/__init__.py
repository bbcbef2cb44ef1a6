"""pgpay: Stripe payments run from inside PostgreSQL."""

__version__ = "0.1.0"

LOG_FORMAT = "%(levelname)s %(name)s: %(message)s"
"""How pgpay's commands (and each process of `pgpay serve --workers`) log."""
