"""Credentials at rest, for every platform: the cipher (cipher.py) and its keys (keyring.py)."""

from __future__ import annotations
