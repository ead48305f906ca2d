"""The dashboard's figures, told apart from its layout, so a screen is sent only what changed.

The body template shows every number through `show(key, value)`: rendering it with a `Figures`
collects each figure under its key (the element carries `data-f="key"`, and `data-attr` when the
figures are attribute values). `layout_of` blanks those texts and attribute values, leaving the
layout alone (lives, products, alerts, bars: everything but the numbers), a cheap pass instead of a
second render. A stream sends the whole body only when the layout changed, otherwise the figures
whose text changed, which the page writes into their elements one by one (static/dashboard.js).
Pure: no I/O.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass
class Figures:
    """The `show` of the body template: records each figure's text, and prints it (or nothing,
    when `blank`, for the layout)."""

    blank: bool = False
    values: dict[str, str] = field(default_factory=dict)

    def __call__(self, key: str, value: object) -> str:
        text = str(value)
        if self.values.setdefault(key, text) != text:
            raise ValueError(f"figure {key!r} shown twice with different values")
        return "" if self.blank else text


# A text figure's opening tag (data-f, no data-attr) and the text right after it: the figure.
_TEXT_FIGURE = re.compile(r'(<(?![^<>]*\sdata-attr=)[^<>]*\sdata-f="[^"]*"[^<>]*>)[^<]*')
_ATTR_FIGURE = re.compile(r'<[^<>]*\sdata-attr="([^"]*)"[^<>]*>')


def _blank_attrs(tag: re.Match[str]) -> str:
    text = tag.group(0)
    for name in tag.group(1).split():
        text = re.sub(rf'(\s{re.escape(name)}=")[^"]*(")', r"\1\2", text)
    return text


def layout_of(body: str) -> str:
    """The body with every figure blanked: equal for bodies that differ only in figures."""
    return _ATTR_FIGURE.sub(_blank_attrs, _TEXT_FIGURE.sub(r"\1", body))


def layout_key(skeleton: str) -> str:
    """A short name of a layout (the body rendered blank): equal layouts, equal names."""
    return hashlib.blake2b(skeleton.encode(), digest_size=8).hexdigest()


def changed(old: Mapping[str, str], new: Mapping[str, str]) -> dict[str, str]:
    """The figures of `new` whose text differs from `old` (or that `old` lacks)."""
    return {key: text for key, text in new.items() if old.get(key) != text}
