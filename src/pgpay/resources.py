"""Locate the SQL that ships with pgpay: migrations/ and sql/.

A wheel carries them inside the package (`pgpay/_migrations`, `pgpay/_sql`); a source checkout or
an editable install reads them from the repository root.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent


def _locate(packaged: str, in_repo: str) -> Path:
    candidates = (_PACKAGE_DIR / packaged, _PACKAGE_DIR.parent.parent / in_repo)
    for candidate in candidates:
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"pgpay is installed without its {in_repo}/ folder; reinstall pgpay")


def migrations_dir() -> Path:
    """The folder of ordered yoyo migrations (schema state)."""
    return _locate("_migrations", "migrations")


def sql_dir() -> Path:
    """The folder of declarative SQL re-applied after every migrate (behaviour)."""
    return _locate("_sql", "sql")


def sql_files() -> list[Path]:
    """Every file under sql/, in the path order in which it is applied."""
    root = sql_dir()
    return sorted(root.rglob("*.sql"), key=lambda p: p.relative_to(root).as_posix())
