"""An unknown login is checked against a dummy hash (so it costs what a wrong password does),
and that hash is made on a hashing thread when the pool starts, never at import: every CLI command
and process start paid two argon2 hashes for it."""

from __future__ import annotations

import subprocess
import sys

from argon2 import extract_parameters

from aggregator.staff.passwords import HASHER, PasswordPool, dummy_hash


def test_importing_the_whole_app_hashes_nothing() -> None:
    code = (
        "import aggregator.cli.main, aggregator.web.app\n"
        "from aggregator.staff.passwords import dummy_hash\n"
        "print(dummy_hash.cache_info().currsize)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "0"


async def test_an_unknown_login_is_checked_against_the_dummy_hash_and_refused() -> None:
    passwords = PasswordPool(workers=1, queue=1)
    try:
        assert await passwords.verify(None, "mat-khau") is False
        assert await passwords.verify(None, "") is False
    finally:
        passwords.close()
    assert dummy_hash.cache_info().currsize == 1  # made once, on the pool's thread
    # a real argon2 hash, with the parameters real ones have, so it costs what they do
    assert extract_parameters(dummy_hash()) == extract_parameters(HASHER.hash("x"))
