"""`chotdon channel add|list|login-apps`: connect a cooperative's channels (secrets come from
the environment); the redirect URLs the host registers for connecting by login.

A secret is never an argument (it would sit in the shell history and the process list) and is
never echoed: `--secret-from-env VAR` names the variable that holds it.
"""

from __future__ import annotations

import asyncio
from typing import Annotated

import orjson
import typer

from aggregator.cli.services import resolved_services
from aggregator.cli.shell import command_settings, fail_clearly, read_env_secret
from aggregator.errors import BadInputError
from aggregator.staff.channel_login import callback_url, configured
from aggregator.staff.channels import ChannelRequest, add_channel, list_channels
from schema.enums import Platform

channel_app = typer.Typer(help="Connect and list a cooperative's channels.", no_args_is_help=True)
Tenant = Annotated[str, typer.Option(help="Cooperative slug.")]
NEEDS = {
    Platform.FACEBOOK: "CHOTDON_FACEBOOK_APP_ID, CHOTDON_FACEBOOK_APP_SECRET, "
    "CHOTDON_FACEBOOK_LOGIN_CONFIG_ID",
    Platform.ZALO: "CHOTDON_ZALO_APP_ID, CHOTDON_ZALO_APP_SECRET",
    Platform.TIKTOK: "CHOTDON_TIKTOK_SERVICE_ID, CHOTDON_TIKTOK_APP_KEY, CHOTDON_TIKTOK_APP_SECRET",
}


def _settings_option(pairs: list[str]) -> dict[str, str]:
    parsed = dict(p.partition("=")[::2] for p in pairs)
    if any(not key for key in parsed) or any("=" not in p for p in pairs):
        raise BadInputError("--setting takes KEY=VALUE")
    return parsed


@channel_app.command("add")
def add(
    tenant: Tenant,
    platform: Annotated[str, typer.Option(help="relay, tiktok, zalo or facebook.")],
    external_id: Annotated[str, typer.Option(help="Page id, shop id, OA id or relay name.")],
    name: Annotated[str, typer.Option(help="Name staff see.")],
    secret_from_env: Annotated[
        str | None, typer.Option(help="Variable holding the token / secret (never an argument).")
    ] = None,
    setting: Annotated[
        list[str] | None, typer.Option(help="KEY=VALUE channel setting, e.g. shop_cipher=…")
    ] = None,
) -> None:
    """Connect (or reconnect) a channel; its credentials are stored encrypted."""
    settings = command_settings()

    def run() -> int:
        if platform not in {p.value for p in Platform} or platform == Platform.MANUAL.value:
            raise BadInputError(
                f"--platform must be relay, tiktok, zalo or facebook, not {platform!r}"
            )
        request = ChannelRequest(
            tenant, Platform(platform), external_id, name, read_env_secret(secret_from_env),
            _settings_option(setting or []),
        )  # fmt: skip
        with resolved_services(settings) as live:
            return asyncio.run(add_channel(live, request))

    channel_id = fail_clearly(run)
    typer.echo(f"channel {channel_id}: {platform} {external_id} connected (credentials encrypted)")


@channel_app.command("list")
def list_(tenant: Tenant) -> None:
    """The cooperative's channels, one JSON line each (no credentials shown)."""
    settings = command_settings()

    def run() -> list[dict[str, object]]:
        with resolved_services(settings) as live:
            return asyncio.run(list_channels(live, tenant))

    for row in fail_clearly(run):
        typer.echo(orjson.dumps(row, default=str).decode())


@channel_app.command("login-apps")
def login_apps() -> None:
    """For the host: the redirect URL to register at each platform, and whether its app is set.

    Directors connect channels by logging in at /cai-dat/kenh; that needs, once per
    installation, an app at each platform whose redirect/callback URL is the one printed here.
    """
    settings = command_settings()
    for platform in (Platform.FACEBOOK, Platform.ZALO, Platform.TIKTOK):
        ready = "ready" if configured(settings, platform) else f"not set ({NEEDS[platform]})"
        typer.echo(f"{platform.value}: {callback_url(settings, platform)}  [{ready}]")
