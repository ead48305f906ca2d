"""`chotdon money-rules show|set`: the director's money rules from the shell, the same checks as
the /cai-dat/thanh-toan page (from which "bom hàng" risk level buyers must transfer first, the
payment deadline in hours, the delivery fee charged to buyers)."""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer

from aggregator.cli.services import resolved_services
from aggregator.cli.shell import command_settings, fail_clearly
from aggregator.core.prepay import MoneyRules, rules_from_form
from aggregator.errors import BadInputError
from aggregator.orders.money import load_money_rules, save_money_rules
from aggregator.runtime.db import create_pool
from aggregator.settings import Settings
from schema.queries import query

money_app = typer.Typer(
    help="Prepayment threshold, payment deadline and delivery fee of a cooperative.",
    no_args_is_help=True,
)
NEVER = "never"


def _lines(rules: MoneyRules) -> list[str]:
    level = rules.prepay_at.label if rules.prepay_at is not None else NEVER
    return [f"prepay_at_risk\t{level}", f"payment_deadline_hours\t{rules.payment_hours}",
            f"shipping_fee_vnd\t{rules.shipping_fee_vnd}"]  # fmt: skip


async def _run(
    settings: Settings, slug: str, risk: str | None, hours: str | None, fee: str | None
) -> list[str]:
    pool = await create_pool(settings, min_size=1, max_size=1)
    try:
        async with pool.acquire() as conn:
            tenant_id = await conn.fetchval(query("tenant_by_slug"), slug)
            if tenant_id is None:
                raise BadInputError(f"no cooperative with slug {slug!r}")
            current = await load_money_rules(conn, tenant_id)
            if risk is None and hours is None and fee is None:
                return _lines(current)
            was = current.prepay_at.label if current.prepay_at is not None else ""
            chosen = was if risk is None else ("" if risk.strip().lower() == NEVER else risk)
            rules = rules_from_form(
                chosen,
                hours if hours is not None else str(current.payment_hours),
                fee if fee is not None else str(current.shipping_fee_vnd),
            )
            await save_money_rules(conn, tenant_id, rules)
            return _lines(rules)
    finally:
        await pool.close()


def _main(
    slug: str, risk: str | None = None, hours: str | None = None, fee: str | None = None
) -> None:
    settings = command_settings()

    def run() -> list[str]:
        with resolved_services(settings) as live:
            return asyncio.run(_run(live, slug, risk, hours, fee))

    for line in fail_clearly(run):
        typer.echo(line)


Tenant = Annotated[str, typer.Option(help="Cooperative slug.")]


@money_app.command("show")
def show(tenant: Tenant) -> None:
    """The current rules, tab-separated."""
    _main(tenant)


@money_app.command("set")
def set_(
    tenant: Tenant,
    prepay_at_risk: Annotated[
        str | None,
        typer.Option(help="new, low, medium, high, blocked (from this level up), or never."),
    ] = None,
    payment_hours: Annotated[
        str | None, typer.Option(help="Hours a prepaying buyer has to pay after confirming.")
    ] = None,
    shipping_fee: Annotated[
        str | None, typer.Option(help="Delivery fee charged to buyers per order, in đồng.")
    ] = None,
) -> None:
    """Change some of the rules (the others stay), then print them all."""
    _main(tenant, prepay_at_risk, payment_hours, shipping_fee)
