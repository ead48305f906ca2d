"""One left-to-right pass over the tokens: elements (products, quantities, weights) and signals.

At each position the readers are tried in a fixed order (quantity markers, codes, numbers,
number words, then the longest of alias or keyword); the first that recognises something wins.
"""

from __future__ import annotations

from aggregator.core.parser.catalog import Catalog
from aggregator.core.parser.codes import (
    CODE_WORD_INDEX,
    read_code_word,
    read_letter_code,
    read_numeric_code,
)
from aggregator.core.parser.context import Context
from aggregator.core.parser.elements import K_QTY, Element, Product, Read, Separator
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
from aggregator.core.parser.normalize import Text
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
# The signals `Scanner._signal` reads with what surrounds them; any other one joins the clause.
SIGNALS_READ_IN_PLACE = frozenset({S_ADDRESS, S_PHONE_WORD, S_SEND, S_PRICE_WORD, *POSITIONAL})

# What a word may start, as bits of one number: one dict lookup per token instead of a test of
# each set in turn. Aliases and code prefixes depend on the catalog (see `routes_for`).
MARKER, CODE_WORD, NON_QTY, EACH, HALF, NUMBER_WORD, PLUS = 1, 2, 4, 8, 16, 32, 64
SEPARATOR, KEYWORD, ALIAS, PREFIX, FILLER = 128, 256, 512, 1024, 2048
READER = MARKER | CODE_WORD | NON_QTY | EACH | HALF | NUMBER_WORD | PLUS
STEP = READER | SEPARATOR | KEYWORD | ALIAS | PREFIX  # the word goes to `_step`
READER_OR_PREFIX = READER | PREFIX  # (a constant: `READER | PREFIX` in the loop is an operation)
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


class Scanner(Context):
    """Walks the tokens once; `scan()` returns it with the elements and signals found.

    The comment's Context itself, with what the pass found: one object per comment where a
    context, a scanner and a result cost three Python-level constructors.
    """

    __slots__ = (
        "clause_start",
        "clauses",
        "content_words",
        "elements",
        "in_address",
        "numeric_width",
        "routes",
    )

    def __init__(self, text: Text, catalog: Catalog, phone: frozenset[int], size: int) -> None:
        # Context's fields set here, not through super().__init__: one call fewer per comment.
        self.text = text
        self.catalog = catalog
        self.phone = phone
        self.size = size
        self.words = text.words
        self.elements: list[Element] = []
        self.clauses: list[set[Signal]] = [set()]  # the signals of each clause
        self.content_words = 0  # tokens that are neither found things nor filler
        self.in_address = False
        self.clause_start = 0
        self.routes = catalog.routes or routes_for(catalog)
        self.numeric_width = catalog.numeric_width

    @property
    def clause(self) -> int:
        return len(self.clauses) - 1

    def scan(self) -> Scanner:
        i, size, phone, words = 0, self.size, self.phone, self.words
        routes = self.routes
        while i < size:
            if phone and i in phone:
                self.in_address = False
                i += 1
                continue
            word = words[i]
            route = routes.get(word, 0)
            if not route and word.isdigit():  # most numbers: only the two number readers apply
                i += self._number(i, word)
            elif route & READER_OR_PREFIX or word.isdigit():
                i += self._step(i, word, route)
            elif route & STEP:  # only a separator, keyword or alias may start here
                i += (route & SEPARATOR and self._separator(i)) or self._word(i, route)
            else:
                # A word no reader, separator, alias or keyword starts at only counts as content.
                if not route & FILLER and word.isalnum():
                    self.content_words += 1
                i += 1
        return self

    def _step(self, i: int, word: str, route: int) -> int:
        """At a word some reader may start at: "+1", a separator, a reader, else a word."""
        found = read_plus(self, i) if route & PLUS else None
        if found is None:
            used = self._separator(i) if route & SEPARATOR else 0
            if used:
                return used
            found = self._read(i, word, route)
            if found is None:
                return self._word(i, route)
        # What a reader found: its element joins the current clause.
        length, element, spam = found
        if spam:
            self.clauses[-1].add(S_SPAM)
        if element is not None:
            if element.kind is K_QTY and word == "+":
                self.clauses[-1].add(S_PLUS)
            element.clause = len(self.clauses) - 1  # self.clause, without the call
            self.elements.append(element)
        return length

    def _number(self, i: int, word: str) -> int:
        """At a number no other reader starts at: `_step` with every test of `route` false
        (one call fewer for the commonest reader; a number is never "+")."""
        found = None
        if len(word) == self.numeric_width:  # read_numeric_code's first test, before the call
            found = read_numeric_code(self, i)
        if found is None:
            found = read_number(self, i, self.in_address)
        if found is None:  # a run of digits too long to be a number
            return self._word(i, 0)
        length, element, spam = found
        if spam:
            self.clauses[-1].add(S_SPAM)
        if element is not None:
            element.clause = len(self.clauses) - 1
            self.elements.append(element)
        return length

    def _read(self, i: int, word: str, route: int) -> Read | None:
        """The first reader that recognises something at token `i`, in a fixed order: quantity
        markers, code words, letter codes, non-quantities, numeric codes, numbers, then "mỗi",
        "nửa" and number words."""
        ctx, found = self, None
        if route & MARKER:
            found = read_marker(ctx, i)
        if found is None and route & CODE_WORD:
            found = read_code_word(ctx, i)
        if found is None and route & PREFIX:
            found = read_letter_code(ctx, i)
        if found is None and route & NON_QTY:
            found = read_non_quantity(ctx, i)
        if found is None and word.isdigit():
            if len(word) == self.numeric_width:
                found = read_numeric_code(ctx, i)
            if found is None:
                found = read_number(ctx, i, self.in_address)
        if found is None and route & EACH:
            found = read_each(ctx, i)
        if found is None and route & HALF:
            found = read_half(ctx, i)
        if found is None and route & NUMBER_WORD:
            found = read_number_word(ctx, i)
        return found

    def _separator(self, i: int) -> int:
        word = self.words[i]  # (i < size: only called at a token)
        if word in CLAUSE_BREAKS:
            if word == "?":
                self.clauses[-1].add(S_QMARK)
            # (Only an address in progress can end here: the look ahead is skipped otherwise.)
            if self.in_address and (word in ADDRESS_ENDS or not self._address_goes_on(i + 1)):
                self.in_address = False
            self.elements.append(Separator(len(self.clauses) - 1, True))
            self.clauses.append(set())
            self.clause_start = i + 1
            return 1
        found = ITEM_SEPARATORS.match(self.text, i) if word in ITEM_SEPARATOR_STARTS else None
        if found is None:
            return 0
        self.elements.append(Separator(len(self.clauses) - 1, False))
        return found[0]

    def _address_goes_on(self, j: int) -> bool:
        if j >= self.size:
            return False
        return self.word(j) in ADDRESS_WORDS or self.text.raw(j)[:1].isupper()

    def _word(self, i: int, route: int) -> int:
        ctx = self
        alias = None
        if route & ALIAS and not self.in_address:
            alias = ctx.catalog.aliases.match(ctx.text, i)
        keyword = KEYWORD_INDEX.match(ctx.text, i) if route & KEYWORD else None
        if alias is not None and (keyword is None or alias[0] >= keyword[0]):
            self.elements.append(Product(alias[1], False, len(self.clauses) - 1))
            return alias[0]
        if keyword is not None:
            signal = keyword[1]
            if signal in SIGNALS_READ_IN_PLACE:
                self._signal(signal, i, keyword[0])
            else:  # most keywords join the clause at once: `_signal`'s first branch, inline
                self.clauses[-1].add(signal)
                if signal is not S_NEUTRAL:
                    self.content_words += 1
            return keyword[0]
        if not route & FILLER and ctx.words[i].isalnum():
            self.content_words += 1
        return 1

    def _signal(self, signal: Signal, i: int, length: int) -> None:
        """A keyword of SIGNALS_READ_IN_PLACE: what it means depends on what surrounds it."""
        clause = self.clauses[-1]
        nxt = i + length
        if signal is S_ADDRESS:
            self.in_address = True
        elif signal is S_PHONE_WORD:
            self.in_address = False
        elif signal is S_SEND:
            self.in_address = self.in_address or self.digits(nxt) is not None
        elif signal in POSITIONAL:
            meaning = positional_signal(self, signal, i, nxt, self.clause_start)
            if meaning is not None:
                clause.add(meaning)
            if meaning is S_ASK and signal in (S_NEG, S_WH):
                clause.add(S_CLOSES_ASKING)
        elif self.digits(nxt) is None:  # S_PRICE_WORD: "giá" with no price after it asks
            clause.add(S_ASK_TERMS)


def scan(text: Text, catalog: Catalog, phone: frozenset[int]) -> Scanner:
    """Elements and signals of a prepared comment; `phone`: the tokens of phone numbers."""
    return Scanner(text, catalog, phone, len(text.words)).scan()
