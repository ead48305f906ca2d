"""`parse_comment`: one livestream comment in, its intent, items and phone out. Pure."""

from __future__ import annotations

from bisect import bisect_left
from collections import OrderedDict
from collections.abc import Sequence
from operator import attrgetter

from aggregator.core.parser.assign import assign
from aggregator.core.parser.catalog import Catalog, Meaning
from aggregator.core.parser.elements import K_EACH, K_PRODUCT, K_QTY, K_WEIGHT, Element
from aggregator.core.parser.intent import (
    COMMIT,
    I_CANCEL,
    I_ORDER,
    I_OTHER,
    S_CANCEL,
    S_DONE,
    S_PAID,
    S_PAST,
    Clause,
    combine,
    decide_intent,
    gives_no_items,
)
from aggregator.core.parser.masking import MaskedKey, masked_key
from aggregator.core.parser.normalize import Span, prepare
from aggregator.core.parser.phone import scan_phones
from aggregator.core.parser.scan import Scanner
from aggregator.core.parser.variants import Measure
from schema.parsing import ParsedComment, ParsedItem

Clauses = Sequence[Clause]
_AS_CODE = attrgetter("as_code")
# Texts whose readings a catalog remembers. At the peak of a live many viewers type the same
# thing ("chốt", "+1", "A01 x2"); a repeat costs a dict lookup instead of a full reading.
# ~1 kB per entry, so ~2 MB per catalog at most; the oldest reading is dropped first.
MEMO_SIZE = 2048
# Comments with a phone whose meaning a catalog remembers by their masked text (masking.py): at
# the peak of a live many viewers post the same order, each with their own number. ~2 kB an
# entry for a long comment (measured with tracemalloc), so ~4 MB per catalog at most.
MASKED_SIZE = 2048
NO_TOKENS: frozenset[int] = frozenset()
# A clause that gives no items (`gives_no_items`) holds one of these: most comments hold none,
# and one C-level test of all their signals spares two Python calls per clause.
SILENCING_HINTS = frozenset({S_PAID, S_PAST, S_DONE})


def parse_comment(text: str, catalog: Catalog) -> ParsedComment:
    """Read one comment against the catalog.

    A text read before with the same catalog returns the same (frozen) ParsedComment object:
    callers must treat it, and its `items` list, as read-only.
    """
    memo = catalog.readings
    known = memo.get(text)
    if known is not None:
        return known
    parsed = read_comment(text, catalog)
    if len(memo) >= MEMO_SIZE:
        # Only if threads share a catalog can another evict at the same moment: fine, bounded.
        try:  # noqa: SIM105 - suppress() would make and enter an object at every new text
            memo.popitem(last=False)  # the oldest
        except KeyError:
            pass
    memo[text] = parsed
    return parsed


def read_comment(text: str, catalog: Catalog) -> ParsedComment:
    """Read one comment against the catalog, without the memo of recent texts.

    What a comment that shows a phone means may come from the catalog's memo of comments that
    differ from it only in phone digits (masking.py): the same as reading it in full.
    """
    prepared = prepare(text)
    phones = scan_phones(prepared.folded)
    phone_tokens, key = NO_TOKENS, None
    if phones.spans:
        phone_tokens = _phone_tokens(prepared.spans, phones.spans)
        key = masked_key(prepared, phone_tokens, catalog)
        known = catalog.masked.get(key)
        if known is not None:
            return ParsedComment(intent=known[0], items=known[1], phone=phones.phone)
    found = Scanner(prepared, catalog, phone_tokens, len(prepared.words)).scan()  # = scan()
    clauses, every = combine(found.clauses)
    # map/filter rather than comprehensions here and below: on Python 3.11 a comprehension is a
    # function call of its own, dear for lists of one or two entries.
    live = found.elements
    if not SILENCING_HINTS.isdisjoint(every):  # a clause may give no items: which?
        silent = list(map(gives_no_items, clauses))
        live = [e for e in live if not silent[e.clause]] if True in silent else live
    intent = decide_intent(clauses, every)
    if intent is None:  # the signals leave it to the shape of the comment
        intent = I_ORDER if _buys_something(found, live, catalog) else I_OTHER
    items: list[ParsedItem] = []
    if intent is I_ORDER or intent is I_CANCEL:
        elements = live if intent is I_ORDER else _cancel_elements(found.elements, clauses)
        items = assign(elements, catalog)
    if key is not None:
        _remember(catalog.masked, key, (intent, items))
    return ParsedComment(intent=intent, items=items, phone=phones.phone)


def _remember(memo: OrderedDict[MaskedKey, Meaning], key: MaskedKey, meaning: Meaning) -> None:
    """Keep what a comment that shows a phone means, dropping the oldest entry when full."""
    if len(memo) >= MASKED_SIZE:
        try:  # noqa: SIM105 - as in parse_comment
            memo.popitem(last=False)  # the oldest
        except KeyError:
            pass
    memo[key] = meaning


def find_phone(text: str) -> str | None:
    """The mobile number a comment shows, exactly as `parse_comment` reads it (ParsedComment.phone).

    The reading does not need the catalogue, so an edge that acts before the comment is parsed
    and stored (hiding a public comment that shows a phone) asks the parser without one.
    """
    return scan_phones(prepare(text).folded).phone


def _phone_tokens(tokens: Sequence[Span], phones: Sequence[Span]) -> frozenset[int]:
    """Indexes of the tokens that lie inside a phone number's characters."""
    if not phones:
        return frozenset()
    if len(phones) == 1:  # most comments: one number, one token (a digit group is a token)
        index = bisect_left(tokens, (phones[0][0],))
        if index < len(tokens) and tokens[index] == phones[0]:
            return frozenset((index,))
    inside: set[int] = set()
    for start, end in phones:
        # Tokens are in order and do not overlap: the first starting at or after `start`, then
        # those after it that still end by `end`.
        index = bisect_left(tokens, (start,))
        while index < len(tokens) and tokens[index][1] <= end:
            inside.add(index)
            index += 1
    return frozenset(inside)


def _cancel_elements(elements: Sequence[Element], clauses: Clauses) -> list[Element]:
    """Elements of the clauses that say what to cancel.

    (An order reads the elements of clauses that are not about past purchases or payments.)
    Cancellations skip clauses that re-state what is still wanted ("hủy 1 hộp bánh cáy, lấy 2
    thôi").
    """
    return [e for e in elements if S_CANCEL in clauses[e.clause] or not clauses[e.clause] & COMMIT]


def _buys_something(found: Scanner, live: Sequence[Element], catalog: Catalog) -> bool:
    """The comment's shape alone says "order": a code, a product with a quantity or variant,
    a counted quantity ("x2", "2 hộp"), or nothing but product names.

    `live`: the elements of clauses that are not about past purchases or payments.
    """
    products: list[Element] = []
    measures: list[Measure] = []
    qty = each = False
    for e in live:  # one pass; the checks below keep their order
        kind = e.kind
        if kind is K_QTY:
            if e.counted:
                return True
            qty = True
        elif kind is K_PRODUCT:
            if e.code is not None:
                products.append(e)
        elif kind is K_EACH:
            each = True
        elif kind is K_WEIGHT and e.measure is not None:
            measures.append(e.measure)
    if not products:
        return False
    if each or qty or any(map(_AS_CODE, products)):  # map: no generator frame per comment
        return True
    infos = [catalog.product(p.code) for p in products]
    if any(info and info.variant_for(m) for info in infos for m in measures):
        return True
    return found.content_words == 0
