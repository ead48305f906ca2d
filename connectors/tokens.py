"""What a platform's token endpoint answers: a new access token, refresh token and expiry."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class TokenPair:
    access_token: str
    refresh_token: str
    expires_at: int  # unix seconds
    # when the refresh token itself ends, if the platform says (TikTok); then a new login is due
    refresh_expires_at: int | None = None

    def __repr__(self) -> str:
        return f"TokenPair(***, ***, expires_at={self.expires_at})"
