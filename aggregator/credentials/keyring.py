"""The keys that seal stored credentials, and re-sealing everything under the newest one.

CHOTDON_CREDENTIAL_KEYS lists secrets newest first; without it the app secret is the only key.
Rotation: put a new secret in front of the list, restart, run `chotdon rotate-keys` (every sealed
credential is re-sealed under the new key), then drop the old secret from the list.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import asyncpg
import structlog

from aggregator.credentials.cipher import PAGE_WORDING, TokenCipher, Wording
from aggregator.errors import ConfigurationError
from aggregator.settings import Settings
from connectors.errors import CredentialsError
from schema.enums import Platform
from schema.queries import query

log = structlog.get_logger()
# The HKDF purpose label of each platform's credentials: one key per platform from each secret.
PURPOSES = {
    Platform.FACEBOOK: b"facebook page access token",
    Platform.RELAY: b"relay channel secret",
    Platform.TIKTOK: b"tiktok shop tokens",
    Platform.ZALO: b"zalo oa tokens",
}
# Banks are not channels: a cooperative's bank-notice secret (SePay API key or HMAC secret, Casso
# webhook key, payOS checksum key) has a purpose of its own.
BANK_PURPOSE = b"bank notification secret"
# A cooperative's own courier accounts (API token, webhook secret): courier_accounts (0025).
COURIER_PURPOSE = b"courier account secrets"


_KEYS_GONE = "CHOTDON_APP_SECRET hoặc một khóa trong CHOTDON_CREDENTIAL_KEYS đã bị gỡ?"
# How each platform's errors name its credential. TikTok's and Zalo's reach the director (the
# channel's reason on /phien-live, a failed message), so they are in Vietnamese.
WORDINGS = {
    Platform.FACEBOOK: PAGE_WORDING,
    Platform.TIKTOK: Wording(
        "chưa lưu mã truy cập (token) của cửa hàng TikTok: hãy kết nối lại cửa hàng",
        f"không mở được mã truy cập đã lưu của cửa hàng TikTok ({_KEYS_GONE}): "
        "hãy kết nối lại cửa hàng",
    ),
    Platform.ZALO: Wording(
        "chưa lưu mã truy cập (token) của OA Zalo: hãy kết nối lại OA",
        f"không mở được mã truy cập đã lưu của OA Zalo ({_KEYS_GONE}): hãy kết nối lại OA",
    ),
    Platform.RELAY: Wording(
        "no relay secret stored: connect the relay channel again",
        "the stored relay secret cannot be decrypted (was CHOTDON_APP_SECRET or a "
        "CHOTDON_CREDENTIAL_KEYS key removed?)",
    ),
}


def credential_secrets(settings: Settings) -> list[bytes]:
    """Newest first: CHOTDON_CREDENTIAL_KEYS if set, else the app secret alone."""
    if settings.credential_keys is not None:
        keys = [k.strip() for k in settings.credential_keys.get_secret_value().split(",")]
        if any(keys):
            return [k.encode() for k in keys if k]
    if settings.app_secret is None:
        raise ConfigurationError("CHOTDON_APP_SECRET is required to store channel credentials")
    return [settings.app_secret.get_secret_value().encode()]


def credential_cipher(settings: Settings, platform: Platform) -> TokenCipher:
    """The one way aggregator code gets the cipher of a platform's stored credentials."""
    return TokenCipher(credential_secrets(settings), PURPOSES[platform], WORDINGS[platform])


BANK_WORDING = Wording(
    "no bank-notice secret stored: connect the bank account again (chotdon bank connect)",
    "the stored bank-notice secret cannot be decrypted (was CHOTDON_APP_SECRET or a "
    "CHOTDON_CREDENTIAL_KEYS key removed?): connect the bank account again",
)


def bank_cipher(settings: Settings) -> TokenCipher:
    """The cipher of the cooperatives' stored bank-notice secrets (bank_connections)."""
    return TokenCipher(credential_secrets(settings), BANK_PURPOSE, BANK_WORDING)


COURIER_WORDING = Wording(
    "chưa lưu mã truy cập (token) của tài khoản giao hàng: hãy nhập lại ở trang Cài đặt",
    f"không mở được mã truy cập đã lưu của tài khoản giao hàng ({_KEYS_GONE}): hãy nhập lại "
    "ở trang Cài đặt",
)


def courier_cipher(settings: Settings) -> TokenCipher:
    """The cipher of the cooperatives' own courier tokens and webhook secrets."""
    return TokenCipher(credential_secrets(settings), COURIER_PURPOSE, COURIER_WORDING)


@dataclass(frozen=True, slots=True)
class Rotation:
    resealed: int
    unreadable: list[int]  # channel ids whose credentials no key opens (left as they were)
    unreadable_banks: list[int] = field(default_factory=list)  # bank connections, likewise
    unreadable_couriers: list[int] = field(default_factory=list)  # courier accounts, likewise


async def rotate_credentials(pool: asyncpg.Pool, settings: Settings) -> Rotation:
    """Re-seal every stored credential under the newest key, channel by channel.

    Each UPDATE only applies if the row still holds what was read, so a token refreshed
    meanwhile (already sealed with the newest key) is never overwritten with older tokens.
    """
    ciphers = {p: credential_cipher(settings, p) for p in PURPOSES}
    resealed, unreadable = 0, []
    for row in await pool.fetch(query("sealed_channel_credentials")):
        sealer = ciphers.get(Platform(row["platform"]))
        if sealer is None:  # a platform that seals nothing (manual)
            continue
        try:
            fresh = sealer.rotate(row["credentials_encrypted"])
        except CredentialsError:
            unreadable.append(row["id"])
            log.error("keys.unreadable_credentials", channel_id=row["id"])
            continue
        done = await pool.fetchval(
            query("reseal_channel_credentials"), row["id"], row["credentials_encrypted"], fresh
        )
        resealed += 1 if done else 0
    banks, unreadable_banks = await _rotate_bank_secrets(pool, bank_cipher(settings))
    couriers, unreadable_couriers = await _rotate_courier_secrets(pool, courier_cipher(settings))
    log.info("keys.rotated", resealed=resealed + banks + couriers, unreadable=len(unreadable),
             unreadable_banks=len(unreadable_banks),
             unreadable_couriers=len(unreadable_couriers))  # fmt: skip
    return Rotation(resealed + banks + couriers, unreadable, unreadable_banks, unreadable_couriers)


async def _rotate_bank_secrets(pool: asyncpg.Pool, sealer: TokenCipher) -> tuple[int, list[int]]:
    """The same for bank connections' secrets: (re-sealed, ids no key opens)."""
    resealed, unreadable = 0, []
    for row in await pool.fetch(query("sealed_bank_secrets")):
        try:
            fresh = sealer.rotate(row["secret_encrypted"])
        except CredentialsError:
            unreadable.append(row["id"])
            log.error("keys.unreadable_bank_secret", bank_connection_id=row["id"])
            continue
        done = await pool.fetchval(
            query("reseal_bank_secret"), row["id"], row["secret_encrypted"], fresh
        )
        resealed += 1 if done else 0
    return resealed, unreadable


async def _rotate_courier_secrets(pool: asyncpg.Pool, sealer: TokenCipher) -> tuple[int, list[int]]:
    """The same for the cooperatives' courier accounts (token and webhook secret together)."""
    resealed, unreadable = 0, []
    for row in await pool.fetch(query("sealed_courier_secrets")):
        try:
            token = sealer.rotate(row["token_encrypted"])
            hook = row["webhook_secret_encrypted"]
            fresh_hook = sealer.rotate(hook) if hook else None
        except CredentialsError:
            unreadable.append(row["id"])
            log.error("keys.unreadable_courier_account", courier_account_id=row["id"])
            continue
        done = await pool.fetchval(
            query("reseal_courier_secrets"), row["id"], row["token_encrypted"], hook, token,
            fresh_hook,
        )  # fmt: skip
        resealed += 1 if done else 0
    return resealed, unreadable
