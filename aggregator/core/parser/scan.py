"""One left-to-right pass over the tokens: elements (products, quantities, weights) and signals.

At each position the readers are tried in a fixed order (quantity markers, codes, numbers,
number words, then the longest of alias or keyword); the first that recognises something wins.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from aggregator.core.parser.catalog import Catalog
from aggregator.core.parser.codes import (
    CODE_WORD_INDEX,
    read_code_word,
    read_letter_code,
    read_numeric_code,
)
from aggregator.core.parser.context import Context
from aggregator.core.parser.elements import K_PRODUCT, K_QTY, K_SEP, Element, Read
from aggregator.core.parser.intent import (
    KEYWORD_INDEX,
    S_ADDRESS,
    S_ASK,
    S_ASK_TERMS,
    S_CLOSES_ASKING,
    S_NEG,
    S_NEUTRAL,
    S_PHONE_WORD,
    S_PLUS,
    S_PRICE_WORD,
    S_QMARK,
    S_SEND,
    S_SPAM,
    S_WH,
    Signal,
)
from aggregator.core.parser.lexicon import PhraseIndex
from aggregator.core.parser.numbers import (
    read_each,
    read_half,
    read_marker,
    read_non_quantity,
    read_number,
    read_number_word,
    read_plus,
)
from aggregator.core.parser.quantities import (
    EACH_INDEX,
    NON_QTY_BEFORE_INDEX,
    NUMBER_WORD_INDEX,
    POSTFIX_MARKER_INDEX,
)
from aggregator.core.parser.questions import CLAUSE_BREAKS, POSITIONAL, positional_signal
from aggregator.core.parser.variants import HALF_INDEX

ADDRESS_ENDS = frozenset({";", "!", "?", "\n"})
# After a comma an address goes on only with a capitalised name or one of these words.
ADDRESS_WORDS = frozenset({
    "xa", "huyen", "tinh", "tp", "thanh", "thon", "xom", "phuong", "quan", "p", "q", "tt",
    "thi", "duong", "so", "ngo", "ngach", "hem", "kiet", "to", "khu", "ap", "khom", "tdp", "kp",
})  # fmt: skip
ITEM_SEPARATORS = PhraseIndex((w, w) for w in ("+", "&", "/", "và", "với", "and", "cùng", "kèm"))
ITEM_SEPARATOR_STARTS = ITEM_SEPARATORS.first_tokens
KEYWORD_STARTS = KEYWORD_INDEX.first_tokens
# Tokens that add nothing to a comment that only names products: "nem chua nhé shop ơi".
FILLER_WORDS = frozenset({
    "nhe", "nha", "nhen", "a", "shop", "sop", "oi", "e", "em", "ad", "ha", "ne", "luon",
    "di", "ok", "oke", "ak", "ah", "voi", "minh", "c", "chi", "anh", "ban", "b", "ce", "ac",
})  # fmt: skip

# The words each reader can start at: a reader is only called where it may find something
# (most calls used to end at once on a missed dictionary lookup). The order in `_read` is fixed.
MARKER_STARTS = POSTFIX_MARKER_INDEX.first_tokens
CODE_WORD_STARTS = CODE_WORD_INDEX.first_tokens
NON_QTY_STARTS = NON_QTY_BEFORE_INDEX.first_tokens
EACH_STARTS = EACH_INDEX.first_tokens
HALF_STARTS = HALF_INDEX.first_tokens
NUMBER_WORD_STARTS = NUMBER_WORD_INDEX.first_tokens
# Words at which some reader above may apply; any other word goes straight to aliases/keywords.
READER_STARTS = frozenset().union(
    MARKER_STARTS,
    CODE_WORD_STARTS,
    NON_QTY_STARTS,
    EACH_STARTS,
    HALF_STARTS,
    NUMBER_WORD_STARTS,
    {"+"},
)
SEPARATOR_STARTS = CLAUSE_BREAKS | ITEM_SEPARATOR_STARTS

# What a word may start, as bits of one number: one dict lookup per token instead of a test of
# each set in turn. Aliases and code prefixes depend on the catalog (see `routes_for`).
MARKER, CODE_WORD, NON_QTY, EACH, HALF, NUMBER_WORD, PLUS = 1, 2, 4, 8, 16, 32, 64
SEPARATOR, KEYWORD, ALIAS, PREFIX, FILLER = 128, 256, 512, 1024, 2048
READER = MARKER | CODE_WORD | NON_QTY | EACH | HALF | NUMBER_WORD | PLUS
STEP = READER | SEPARATOR | KEYWORD | ALIAS | PREFIX  # the word goes to `_step`
_STATIC_SETS = (
    (MARKER_STARTS, MARKER),
    (CODE_WORD_STARTS, CODE_WORD),
    (NON_QTY_STARTS, NON_QTY),
    (EACH_STARTS, EACH),
    (HALF_STARTS, HALF),
    (NUMBER_WORD_STARTS, NUMBER_WORD),
    ({"+"}, PLUS),
    (SEPARATOR_STARTS, SEPARATOR),
    (KEYWORD_STARTS, KEYWORD),
    (FILLER_WORDS, FILLER),
)


def routes_for(catalog: Catalog) -> dict[str, int]:
    """Every word's bits for this catalog, built at its first comment and kept on it."""
    routes = catalog.routes
    if routes is None:
        routes = {}
        sets = (*_STATIC_SETS, (catalog.alias_starts, ALIAS), (catalog.prefixes, PREFIX))
        for words, bit in sets:
            for word in words:
                routes[word] = routes.get(word, 0) | bit
        catalog.routes = routes
    return routes


@dataclass
class Scan:
    """Everything the pass found, with the signals of each clause."""

    elements: list[Element] = field(default_factory=list)
    clauses: list[set[Signal]] = field(default_factory=lambda: [set()])
    plus_clauses: set[int] = field(default_factory=set)
    content_words: int = 0  # tokens that are neither found things nor filler

    @property
    def clause(self) -> int:
        return len(self.clauses) - 1


class Scanner:
    """Walks the tokens once; `scan()` returns the elements and signals."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.out = Scan()
        self.in_address = False
        self.clause_start = 0
        self.routes = routes_for(ctx.catalog)

    def scan(self) -> Scan:
        ctx = self.ctx
        i, size, phone, words = 0, ctx.size, ctx.phone, ctx.words
        routes, out = self.routes, self.out
        while i < size:
            if phone and i in phone:
                self.in_address = False
                i += 1
                continue
            word = words[i]
            route = routes.get(word, 0)
            if route & (READER | PREFIX) or word.isdigit():
                i += self._step(i, word, route)
            elif route & STEP:  # only a separator, keyword or alias may start here
                i += (route & SEPARATOR and self._separator(i)) or self._word(i, route)
            else:
                # A word no reader, separator, alias or keyword starts at only counts as content.
                if not route & FILLER and word.isalnum():
                    out.content_words += 1
                i += 1
        return out

    def _step(self, i: int, word: str, route: int) -> int:
        """At a word some reader may start at: "+1", a separator, a reader, else a word."""
        found = read_plus(self.ctx, i) if route & PLUS else None
        if found is None:
            used = self._separator(i) if route & SEPARATOR else 0
            if used:
                return used
            found = self._read(i, word, route)
            if found is None:
                return self._word(i, route)
        # What a reader found: its element joins the current clause.
        length, element, spam = found
        out = self.out
        if spam:
            out.clauses[-1].add(S_SPAM)
        if element is not None:
            if element.kind is K_QTY and word == "+":
                out.clauses[-1].add(S_PLUS)
            element.clause = len(out.clauses) - 1  # out.clause, without the call
            out.elements.append(element)
        return length

    def _read(self, i: int, word: str, route: int) -> Read | None:
        """The first reader that recognises something at token `i`, in a fixed order: quantity
        markers, code words, letter codes, non-quantities, numeric codes, numbers, then "mỗi",
        "nửa" and number words."""
        ctx = self.ctx
        if route & MARKER:
            found = read_marker(ctx, i)
            if found is not None:
                return found
        if route & CODE_WORD:
            found = read_code_word(ctx, i)
            if found is not None:
                return found
        if route & PREFIX:
            found = read_letter_code(ctx, i)
            if found is not None:
                return found
        if route & NON_QTY:
            found = read_non_quantity(ctx, i)
            if found is not None:
                return found
        if word.isdigit():
            found = read_numeric_code(ctx, i) or read_number(ctx, i, self.in_address)
            if found is not None:
                return found
        if route & EACH:
            found = read_each(ctx, i)
            if found is not None:
                return found
        if route & HALF:
            found = read_half(ctx, i)
            if found is not None:
                return found
        return read_number_word(ctx, i) if route & NUMBER_WORD else None

    def _separator(self, i: int) -> int:
        word = self.ctx.word(i)
        if word in CLAUSE_BREAKS:
            if word == "?":
                self.out.clauses[-1].add(S_QMARK)
            if word in ADDRESS_ENDS or not self._address_goes_on(i + 1):
                self.in_address = False
            self.out.elements.append(Element(K_SEP, self.out.clause, clause_break=True))
            self.out.clauses.append(set())
            self.clause_start = i + 1
            return 1
        found = ITEM_SEPARATORS.match(self.ctx.text, i) if word in ITEM_SEPARATOR_STARTS else None
        if found is None:
            return 0
        self.out.elements.append(Element(K_SEP, self.out.clause))
        return found[0]

    def _address_goes_on(self, j: int) -> bool:
        if j >= self.ctx.size:
            return False
        return self.ctx.word(j) in ADDRESS_WORDS or self.ctx.text.raw(j)[:1].isupper()

    def _word(self, i: int, route: int) -> int:
        ctx = self.ctx
        alias = None
        if route & ALIAS and not self.in_address:
            alias = ctx.catalog.aliases.match(ctx.text, i)
        keyword = KEYWORD_INDEX.match(ctx.text, i) if route & KEYWORD else None
        if alias is not None and (keyword is None or alias[0] >= keyword[0]):
            self.out.elements.append(Element(K_PRODUCT, self.out.clause, code=alias[1]))
            return alias[0]
        if keyword is not None:
            self._signal(keyword[1], i, keyword[0])
            return keyword[0]
        if not route & FILLER and ctx.words[i].isalnum():
            self.out.content_words += 1
        return 1

    def _signal(self, signal: Signal, i: int, length: int) -> None:
        nxt = i + length
        clause = self.out.clauses[-1]
        if signal is S_ADDRESS:
            self.in_address = True
        elif signal is S_PHONE_WORD:
            self.in_address = False
        elif signal is S_SEND:
            self.in_address = self.in_address or self.ctx.digits(nxt) is not None
        elif signal in POSITIONAL:
            meaning = positional_signal(self.ctx, signal, i, nxt, self.clause_start)
            if meaning is not None:
                clause.add(meaning)
            if meaning is S_ASK and signal in (S_NEG, S_WH):
                clause.add(S_CLOSES_ASKING)
        elif signal is S_PRICE_WORD:
            if self.ctx.digits(nxt) is None:
                clause.add(S_ASK_TERMS)
        else:
            clause.add(signal)
            if signal is not S_NEUTRAL:
                self.out.content_words += 1


def scan(ctx: Context) -> Scan:
    return Scanner(ctx).scan()
