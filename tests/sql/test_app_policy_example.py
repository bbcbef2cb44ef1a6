"""Runs the README's app-side policy test file ("Testing your own policies") exactly as written.

The README's code block between the app-policy-example markers is compiled into this module, so its
tests run here with the pgpay pytest plugin's fixtures, as they would in an app's own suite.
"""

from __future__ import annotations

import re
from pathlib import Path

README = Path(__file__).resolve().parents[2] / "README.md"
_BLOCK = re.compile(
    r"<!-- app-policy-example:start -->\n```python\n(.*?)```\n<!-- app-policy-example:end -->", re.S
)


def readme_example() -> str:
    found = _BLOCK.findall(README.read_text())
    assert len(found) == 1, "README.md must hold exactly one app-policy-example block"
    return str(found[0])


# The README's code, verbatim: it defines the fixtures and tests collected from this module.
exec(compile(readme_example(), f"{README}:app-policy-example", "exec"))  # noqa: S102


def test_the_readme_example_defines_tests() -> None:
    names = re.findall(r"^def (test_\w+)", readme_example(), re.M)
    assert len(names) >= 3
    assert all(name in globals() for name in names)
