"""Page access tokens at rest: Fernet (AES-128-CBC + HMAC-SHA256), keyed by HKDF from a secret.

The key is derived from chotdon's app secret with a purpose label, so the same secret never
serves two uses directly. Tokens are plain strings only in memory, for the length of a call.
"""

from __future__ import annotations

import base64

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from connectors.errors import CredentialsError

_SALT = b"chotdon/credentials/v1"
_INFO = b"facebook page access token"


class TokenCipher:
    def __init__(self, secret: bytes, purpose: bytes = _INFO) -> None:
        """`purpose` labels the key: other credentials (TikTok, Zalo, relay) get their own key."""
        if len(secret) < 16:
            raise CredentialsError("the app secret is too short to key token encryption")
        key = HKDF(algorithm=hashes.SHA256(), length=32, salt=_SALT, info=purpose).derive(secret)
        self._fernet = Fernet(base64.urlsafe_b64encode(key))

    def __repr__(self) -> str:
        return "TokenCipher(***)"

    def encrypt(self, token: str) -> bytes:
        return self._fernet.encrypt(token.encode())

    def decrypt(self, sealed: bytes | None) -> str:
        if not sealed:
            raise CredentialsError("no Page access token stored: connect the Page again")
        try:
            return self._fernet.decrypt(sealed).decode()
        except InvalidToken:
            raise CredentialsError(
                "the stored Page token cannot be decrypted (was CHOTDON_APP_SECRET changed?)"
            ) from None
