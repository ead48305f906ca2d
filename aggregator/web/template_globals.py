"""Helpers every page template may call: Vietnam time with the date, and the staff vocabulary
(aggregator/web/staff_words.py) for actors, event kinds and reasons."""

from __future__ import annotations

from datetime import datetime

import jinja2

from aggregator.core.reports import local
from aggregator.web.staff_words import actor_text, kind_text, log_line, reason_text

WHEN = "%H:%M %d/%m/%Y"


def vn_time(at: datetime | None, fmt: str = WHEN) -> str:
    """20:44 06/12/2026: an instant in Vietnam time, with its date."""
    return local(at, fmt)


def install(env: jinja2.Environment) -> jinja2.Environment:
    env.globals.update(
        vn_time=vn_time, local=local, actor_text=actor_text, kind_text=kind_text,
        reason_text=reason_text, log_line=log_line,
    )  # fmt: skip
    return env
