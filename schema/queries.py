"""Named SQL queries, kept in schema/queries/<area>.sql and loaded by name.

A file holds several queries, each introduced by a line `-- name: query_name`. The Python function
that runs a query carries the same name, so grepping one finds the other.
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources

from schema.errors import UnknownQueryError

_NAME_LINE = re.compile(r"^--\s*name:\s*([a-z_][a-z0-9_]*)\s*$", re.MULTILINE)


def parse_query_file(text: str) -> dict[str, str]:
    """Split one .sql file into {name: sql}."""
    parts = _NAME_LINE.split(text)
    # parts = [preamble, name1, body1, name2, body2, ...]
    return {name: body.strip() for name, body in zip(parts[1::2], parts[2::2], strict=True)}


@cache
def all_queries() -> dict[str, str]:
    found: dict[str, str] = {}
    for entry in resources.files("schema").joinpath("queries").iterdir():
        if entry.name.endswith(".sql"):
            for name, sql in parse_query_file(entry.read_text(encoding="utf-8")).items():
                if name in found:
                    raise UnknownQueryError(f"query {name!r} is defined twice")
                found[name] = sql
    return found


def query(name: str) -> str:
    """The SQL text of a named query."""
    try:
        return all_queries()[name]
    except KeyError:
        raise UnknownQueryError(f"no query named {name!r} in schema/queries/") from None
