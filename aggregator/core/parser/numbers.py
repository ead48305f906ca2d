"""Readers for everything that starts with or introduces a number.

Each reader looks at token `i` and returns a `Read` (tokens used, element found) or None.
A number is a quantity only when nothing says otherwise: prices ("180k", "1tr2"), years,
weights ("2kg" is a weight, maybe a variant), dates, house numbers and times are not quantities.
"""

from __future__ import annotations

from aggregator.core.parser.context import (
    COUNT_UNIT_STARTS,
    MAX_DIGITS,
    WEIGHT_UNIT_STARTS,
    Context,
)
from aggregator.core.parser.elements import Each, Quantity, Read, Weight
from aggregator.core.parser.quantities import (
    EACH_INDEX,
    MARKER_FILLERS,
    MAX_QTY,
    NON_QTY_AFTER_INDEX,
    NON_QTY_BEFORE_INDEX,
    NUMBER_WORD_INDEX,
    POSTFIX_MARKER_INDEX,
    PRICE_UNIT_INDEX,
    SPACED_PRICE_UNITS,
)
from aggregator.core.parser.variants import AND_A_HALF, HALF_INDEX, WEIGHT_UNIT_INDEX, make_measure

THOUSANDS_SEPARATORS = frozenset({".", ","})
PRICE_UNIT_STARTS = PRICE_UNIT_INDEX.first_tokens  # checked before a call to match()
NON_QTY_AFTER_STARTS = NON_QTY_AFTER_INDEX.first_tokens
PER_PERIOD = frozenset({"ngay", "thang", "tuan", "h", "gio"})
# The words after a number at which read_price, _decimal or read_weight_after may find something:
# after any other word (most of them) those three calls would all come back empty.
PRICE_DECIMAL_OR_WEIGHT = PRICE_UNIT_STARTS | THOUSANDS_SEPARATORS | WEIGHT_UNIT_INDEX.first_tokens
PRICE_OR_SEPARATOR = PRICE_UNIT_STARTS | THOUSANDS_SEPARATORS
AND_A_HALF_STARTS = AND_A_HALF.first_tokens
_SKIP_ONE: Read = (1, None, False)  # one token that is not a quantity


def read_price(ctx: Context, i: int) -> Read | None:
    """ "180k", "45 nghìn", "1tr2", "180.000đ", "500k/ngày" (the last one is spam)."""
    text, j = ctx.text, i + 1
    unit = PRICE_UNIT_INDEX.match(text, j) if ctx.word(j) in PRICE_UNIT_STARTS else None
    if unit is not None and (text.adjacent(i, j) or ctx.word(j) in SPACED_PRICE_UNITS):
        end = j + unit[0]
        if ctx.word(j) == "tr" and ctx.digits(end) is not None and text.adjacent(end - 1, end):
            end += 1
        per_period = ctx.word(end) == "/" and ctx.word(end + 1) in PER_PERIOD
        return end - i + _per_unit(ctx, end), None, per_period
    end = i
    while (
        ctx.word(end + 1) in THOUSANDS_SEPARATORS
        and len(ctx.digits(end + 2) or "") == 3
        and text.adjacent(end, end + 1)
        and text.adjacent(end + 1, end + 2)
    ):
        end += 2
    if end == i:
        return None
    unit = PRICE_UNIT_INDEX.match(text, end + 1) if ctx.word(end + 1) in PRICE_UNIT_STARTS else None
    return end + 1 - i + (unit[0] if unit else 0), None, False


def _per_unit(ctx: Context, j: int) -> int:
    """Tokens of a unit a price is for: "80k 1 chục", "180k/túi", "45k một hộp"; else 0."""
    if ctx.word(j) == "/":
        return 1 + ctx.count_unit(j + 1) if ctx.count_unit(j + 1) else 0
    if ctx.small_number(j) != 1:
        return 0
    length = 1 if ctx.digits(j) is not None else _word_length(ctx, j)
    unit = ctx.count_unit(j + length)
    return length + unit if unit else 0


def _decimal(ctx: Context, i: int) -> tuple[float, int]:
    """The number at `i`, reading "1.5" / "1,5" as one decimal: (value, tokens used)."""
    whole = int(ctx.word(i))
    frac = ctx.digits(i + 2)
    if (
        ctx.word(i + 1) in THOUSANDS_SEPARATORS
        and frac is not None
        and len(frac) <= 2
        and ctx.text.adjacent(i, i + 1)
        and ctx.text.adjacent(i + 1, i + 2)
    ):
        return whole + int(frac) / 10 ** len(frac), 3
    return float(whole), 1


def read_weight_after(ctx: Context, i: int, value: float, used: int) -> Read | None:
    """A weight or volume unit after a number of `used` tokens: "2 kg", "5 lạng", "1L"."""
    found = ctx.weight_unit(i + used)
    if found is None:
        return None
    length, unit = found
    end = i + used + length
    # (the word is looked at first: "rưỡi" follows almost no weight)
    after = ctx.words[end] if end < ctx.size else ""
    half = AND_A_HALF.match(ctx.text, end) if after in AND_A_HALF_STARTS else None
    if half is not None:
        value, end = value + 0.5, end + half[0]
    return end - i, Weight(make_measure(value, unit)), False


def read_number(ctx: Context, i: int, in_address: bool) -> Read | None:
    """A number written in digits, with whatever follows it."""
    words, size = ctx.words, ctx.size
    digits = words[i] if i < size else ""  # ctx.digits(i), without the call
    if len(digits) > MAX_DIGITS or not digits.isdecimal() or i in ctx.phone:
        return None
    nxt = words[i + 1] if i + 1 < size else ""  # ctx.word(i + 1), without the call
    # Each read below is asked only where the next word may start what it looks for: a price
    # needs a price unit or a thousands separator, a decimal a separator, a weight a unit.
    if nxt in PRICE_DECIMAL_OR_WEIGHT:
        price = read_price(ctx, i) if nxt in PRICE_OR_SEPARATOR else None
        if price is not None:
            return price
        value, used = _decimal(ctx, i) if nxt in THOUSANDS_SEPARATORS else (float(int(digits)), 1)
        weight = read_weight_after(ctx, i, value, used)
        if weight is not None:
            return weight
    qty = int(digits)
    if len(digits) > 3 or not 1 <= qty <= MAX_QTY or in_address:
        return _SKIP_ONE  # a year, an order id, a house number
    unit = ctx.count_unit(i + 1) if nxt in COUNT_UNIT_STARTS else 0
    if unit:
        return 1 + unit, Quantity(qty, True), False
    if nxt == "x" and ctx.text.adjacent(i, i + 1) and ctx.digits(i + 2) is None:
        return 2, Quantity(qty, True), False  # "2x"
    if _not_a_quantity_after(ctx, i):
        return _SKIP_ONE
    return 1, Quantity(qty, False), False


def _not_a_quantity_after(ctx: Context, i: int) -> bool:
    nxt = i + 1
    if nxt >= ctx.size:
        return False
    if ctx.words[nxt] in NON_QTY_AFTER_STARTS and NON_QTY_AFTER_INDEX.match(ctx.text, nxt):
        return True
    return _street_name(ctx, nxt)


def _street_name(ctx: Context, j: int) -> bool:
    """ "12 Lý Thường Kiệt": a capitalised word that is not a product, unit or code."""
    raw = ctx.text.raw(j)
    if not raw[:1].isupper() or not raw.isalpha() or ctx.starts_product(j):
        return False
    return ctx.count_unit(j) == 0 and ctx.weight_unit(j) is None and not ctx.shouting()


def read_marker(ctx: Context, i: int) -> Read | None:
    """ "x2", "X 2", "*2", "sl2", "sl: 3", "số lượng 4": the quantity of the product before."""
    found = POSTFIX_MARKER_INDEX.match(ctx.text, i)
    if found is None:
        return None
    # Words read directly rather than through ctx.word: "x2" follows most codes.
    words, size = ctx.words, ctx.size
    j = i + found[0]
    while j < size and words[j] in MARKER_FILLERS:
        j += 1
    in_digits = ctx.digits(j) is not None
    qty = ctx.small_number(j)
    after = words[j + 1] if j + 1 < size else ""
    if qty is None or (after in WEIGHT_UNIT_STARTS and ctx.weight_unit(j + 1)):
        return None
    j += 1 if in_digits else _word_length(ctx, j)
    if j < size and words[j] in COUNT_UNIT_STARTS:
        j += ctx.count_unit(j)
    return j - i, Quantity(qty, True, True), False


def _word_length(ctx: Context, j: int) -> int:
    found = NUMBER_WORD_INDEX.match(ctx.text, j)
    return found[0] if found else 1


def read_plus(ctx: Context, i: int) -> Read | None:
    """ "+1", "+2 B01": the livestream way of saying "me too"."""
    if ctx.word(i) != "+" or not ctx.text.adjacent(i, i + 1):
        return None
    qty = ctx.small_number(i + 1) if ctx.digits(i + 1) is not None else None
    if qty is None:
        return None
    unit = ctx.count_unit(i + 2)
    return 2 + unit, Quantity(qty, True), False


def read_number_word(ctx: Context, i: int) -> Read | None:
    """ "hai hộp", "ba chục", "một cân", "hai st25": number words count only before a unit."""
    found = NUMBER_WORD_INDEX.match(ctx.text, i)
    if found is None:
        return None
    length, value = found
    weight = read_weight_after(ctx, i, float(value), length)
    if weight is not None:
        return weight
    unit = ctx.count_unit(i + length)
    if unit:
        return length + unit, Quantity(value, True), False
    if ctx.starts_product(i + length):
        return length, Quantity(value, True), False
    return None


def read_half(ctx: Context, i: int) -> Read | None:
    """ "nửa cân" -> 500g, "nửa lít" -> 500ml."""
    found = HALF_INDEX.match(ctx.text, i)
    if found is None:
        return None
    return read_weight_after(ctx, i, 0.5, found[0])


def read_each(ctx: Context, i: int) -> Read | None:
    """ "mỗi thứ 1", "mỗi loại 2 hộp"."""
    found = EACH_INDEX.match(ctx.text, i)
    if found is None:
        return None
    j = i + found[0]
    while ctx.word(j) in MARKER_FILLERS:
        j += 1
    qty = ctx.small_number(j)
    if qty is None:
        return None
    j += 1 if ctx.digits(j) is not None else _word_length(ctx, j)
    j += ctx.count_unit(j)
    return j - i, Each(qty), False


def read_non_quantity(ctx: Context, i: int) -> Read | None:
    """ "thứ 2", "xóm 5", "số 12", "còn 1", "#123": the number is not a quantity."""
    found = NON_QTY_BEFORE_INDEX.match(ctx.text, i)
    if found is None:
        return None
    j = i + found[0]
    while ctx.word(j) in MARKER_FILLERS:
        j += 1
    return (j + 1 - i, None, False) if ctx.digits(j) is not None else None
