"""Readers for product codes: "A01", "a1", "A 01", "a-01", "mã 5", "ma 05", "08 x2"."""

from __future__ import annotations

from aggregator.core.parser.context import Context
from aggregator.core.parser.elements import Product, Read
from aggregator.core.parser.lexicon import PhraseIndex
from aggregator.core.parser.numbers import read_marker

# Words that announce a code: "mã 05", "mã số 12", "mã sp A01".
CODE_WORDS = ("mã", "mã số", "mã sp", "mã sản phẩm", "code", "sp mã", "sản phẩm mã")
CODE_WORD_INDEX: PhraseIndex[str] = PhraseIndex((w, w) for w in CODE_WORDS)
CODE_JOINERS = frozenset({"-", ".", "_"})
CODE_WORD_FILLERS = frozenset({":", "#", "."})
MAX_CODE_DIGITS = 3


def _product(ctx: Context, code: str | None, length: int) -> Read:
    known = code if code is not None and code in ctx.catalog.products else None
    return length, Product(known, True), False


# "tòa B2", "lô A1", "phòng C1": a building or plot in an address, not a product code.
BUILDING_WORDS = frozenset({"tòa", "toà", "block", "lô", "phòng", "tầng", "dãy", "khu", "căn"})


def read_letter_code(ctx: Context, i: int, relaxed: bool = False) -> Read | None:
    """A letter prefix of the catalog followed by digits. `relaxed` after "mã"."""
    # Tokens and spans read directly rather than through ctx.word / text.raw / text.adjacent:
    # this runs at every word that is a catalog prefix ("a", "v", "b"), inside many comments.
    words, size = ctx.words, ctx.size
    prefix = words[i] if i < size else ""
    width = ctx.catalog.prefix_widths.get(prefix) if prefix.isalpha() else None
    if width is None:
        return None
    spans, original = ctx.text.spans, ctx.text.original
    start, end = spans[i]
    if not original[start:end].isascii():
        return None
    if not relaxed and i > 0:
        before_start, before_end = spans[i - 1]
        if original[before_start:before_end].lower() in BUILDING_WORDS:
            return None
    j = i + 1
    attached = j < size and spans[j][0] == end
    if attached and words[j] in CODE_JOINERS and j + 1 < size and spans[j][1] == spans[j + 1][0]:
        j += 1
    digits = ctx.digits(j)
    if digits is None:
        return None
    catalog = ctx.catalog
    code = catalog.code_for(prefix, digits)
    if code is None:
        return None
    padded = len(digits) == width and digits.startswith("0")
    if not (attached or relaxed or padded or _code_may_end(ctx, j + 1)):
        return None  # "c 2 hộp" is "chị 2 hộp", not C02
    # _product(ctx, code, j + 1 - i), without the call
    return j + 1 - i, Product(code if code in catalog.products else None, True), False


def _code_may_end(ctx: Context, k: int) -> bool:
    """After a spaced code ("b 3"), nothing that makes its digits a quantity or weight."""
    if k >= ctx.size:
        return True
    if ctx.count_unit(k) or ctx.weight_unit(k) is not None or ctx.starts_product(k):
        return False
    return not (ctx.small_number(k) is not None and ctx.count_unit(k + 1))


def read_code_word(ctx: Context, i: int) -> Read | None:
    """ "mã 5", "ma 05", "mã số 12", "mã A01": after "mã" any number is a code."""
    found = CODE_WORD_INDEX.match(ctx.text, i)
    if found is None:
        return None
    j = i + found[0]
    while ctx.word(j) in CODE_WORD_FILLERS:
        j += 1
    letter = read_letter_code(ctx, j, relaxed=True)
    if letter is not None:
        return j - i + letter[0], letter[1], False
    digits = ctx.digits(j)
    if digits is None or len(digits) > MAX_CODE_DIGITS:
        return None
    return _product(ctx, ctx.catalog.code_for("", digits), j + 1 - i)


def read_numeric_code(ctx: Context, i: int) -> Read | None:
    """A bare number in code position: "08 x2", "12 x3", or a zero-padded "05" on its own."""
    width = ctx.catalog.numeric_width
    if not width or len(ctx.words[i]) != width:  # most numbers: asked before digits()
        return None
    digits = ctx.digits(i)
    if digits is None:
        return None
    code = ctx.catalog.code_for("", digits)
    if code is None or code not in ctx.catalog.products:
        return None
    if read_marker(ctx, i + 1) is not None:
        return _product(ctx, code, 1)
    nxt = i + 1
    if ctx.small_number(nxt) is not None and ctx.count_unit(nxt + 1):
        return _product(ctx, code, 1)  # "12 2 hũ": two numbers in a row, the first is the code
    if digits.startswith("0") and not (
        ctx.count_unit(nxt) or ctx.weight_unit(nxt) or ctx.starts_product(nxt)
    ):
        return _product(ctx, code, 1)  # "05 hộp nem" is a quantity, "chốt 08 2 túi" a code
    return None
