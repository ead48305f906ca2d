"""Print benchmark figures as a table."""

from __future__ import annotations

import io
from collections.abc import Mapping

from rich.console import Console
from rich.table import Table


def render_figures(figures: Mapping[str, float | str], title: str) -> str:
    table = Table(title=title)
    table.add_column("figure")
    table.add_column("value", justify="right")
    for name, value in figures.items():
        table.add_row(name, f"{value:,}" if isinstance(value, int) else str(value))
    buffer = io.StringIO()
    Console(file=buffer, width=100).print(table)
    return buffer.getvalue()
