"""The server-side secrets file: private however it is written, and no update lost."""

from __future__ import annotations

import os
import stat
import threading
from pathlib import Path

from pgpay.config import SecretStore


def test_a_leftover_world_readable_temporary_file_does_not_leak_the_secret(tmp_path: Path) -> None:
    store = SecretStore(tmp_path / "secrets.json")
    leftover = tmp_path / "secrets.tmp"
    leftover.write_text("old")
    os.chmod(leftover, 0o644)
    store.set("test", "secret_key", "sk_test_abc")
    assert stat.S_IMODE(store.path.stat().st_mode) == 0o600
    assert store.get("test", "secret_key") == "sk_test_abc"


def test_concurrent_writers_keep_every_update(tmp_path: Path) -> None:
    store = SecretStore(tmp_path / "secrets.json")
    names = [f"name_{i}" for i in range(16)]
    threads = [
        threading.Thread(target=store.set, args=("test", name, f"value_{name}")) for name in names
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    fresh = SecretStore(store.path)
    assert {name: fresh.get("test", name) for name in names} == {
        name: f"value_{name}" for name in names
    }
