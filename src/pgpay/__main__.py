"""`python -m pgpay` is the `pgpay` command."""

from pgpay.cli import main

raise SystemExit(main())
