"""`python -m pgpay` is the `pgpay` command."""

from pgpay.cli import main

if __name__ == "__main__":  # (not when a server process started by multiprocessing imports it)
    raise SystemExit(main())
