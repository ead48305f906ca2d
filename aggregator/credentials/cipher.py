"""Credentials at rest: Fernet (AES-128-CBC + HMAC-SHA256), keyed by HKDF from a secret.

Every platform's stored credentials (a Facebook Page token, a relay channel's secret, a TikTok
shop's or Zalo OA's token pair) are sealed here and nowhere else. The key is derived from a secret
with a purpose label (keyring.PURPOSES), so the same secret never serves two uses directly.
Credentials are plain only in memory, for the length of a call. Several secrets (newest first)
make a MultiFernet: the newest seals, every one opens, and `rotate` re-seals a stored value under
the newest, which is how keys are changed.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import orjson
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from connectors.errors import CredentialsError

_SALT = b"chotdon/credentials/v1"


@dataclass(frozen=True, slots=True)
class Wording:
    """How the errors name a platform's credential (staff read them on the channel and the
    message that failed): one for none stored, one for a stored one no key opens."""

    missing: str
    unreadable: str


# Facebook came first and its staff know these sentences; the other platforms have their own
# (aggregator.credentials.keyring.WORDINGS).
PAGE_WORDING = Wording(
    "no Page access token stored: connect the Page again",
    "the stored Page token cannot be decrypted (was CHOTDON_APP_SECRET or a "
    "CHOTDON_CREDENTIAL_KEYS key removed?)",
)


class TokenCipher:
    """Seals and opens text under one purpose's key (one per platform, see keyring)."""

    def __init__(
        self, secret: bytes | Sequence[bytes], purpose: bytes, wording: Wording = PAGE_WORDING
    ) -> None:
        """`secret` may be a list, newest first: the newest seals, all of them open."""
        secrets = [secret] if isinstance(secret, bytes) else list(secret)
        if not secrets or any(len(s) < 16 for s in secrets):
            raise CredentialsError("a credential key is missing or too short to key encryption")
        self._fernet = MultiFernet([_fernet(s, purpose) for s in secrets])
        self._wording = wording

    def __repr__(self) -> str:
        return "TokenCipher(***)"

    def encrypt(self, token: str) -> bytes:
        return self._fernet.encrypt(token.encode())

    def rotate(self, sealed: bytes) -> bytes:
        """The same value sealed under the newest key (CredentialsError if no key opens it)."""
        try:
            return self._fernet.rotate(sealed)
        except InvalidToken:
            raise CredentialsError("a stored credential opens with none of the keys") from None

    def decrypt(self, sealed: bytes | None) -> str:
        if not sealed:
            raise CredentialsError(self._wording.missing)
        try:
            return self._fernet.decrypt(sealed).decode()
        except InvalidToken:
            raise CredentialsError(self._wording.unreadable) from None


def seal_json(sealer: TokenCipher, value: dict[str, Any]) -> bytes:
    """A credential made of several values (a token pair and its expiry), sealed as one."""
    return sealer.encrypt(orjson.dumps(value).decode())


def open_json(sealer: TokenCipher, sealed: bytes | None) -> dict[str, Any]:
    opened: dict[str, Any] = orjson.loads(sealer.decrypt(sealed))
    return opened


def _fernet(secret: bytes, purpose: bytes) -> Fernet:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=_SALT, info=purpose).derive(secret)
    return Fernet(base64.urlsafe_b64encode(key))
