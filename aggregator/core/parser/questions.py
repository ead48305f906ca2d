"""Question words whose meaning depends on where they stand in their clause.

- particles at the end of a clause: "còn hàng ko ạ", "hết chưa s", "80k 1 chục hả shop";
- interrogative words: "hái từ hôm nào", "mấy độ đạm", "tặng gì", unless used as indefinites
  ("loại nào cũng ngon", "mấy bạn ơi", "mua mấy lần rồi");
- "vậy"/"thế"/"hơn" closing a clause, which ask only together with "hay": "vụ 2024 hay vụ cũ
  vậy", "chè xanh hay chè búp ngon hơn".
"""

from __future__ import annotations

from collections.abc import Callable

from aggregator.core.parser.context import Context
from aggregator.core.parser.intent import NEGATIONS, QUESTION_TAIL, S_ALT, S_ASK, S_VAY, Signal
from aggregator.core.parser.normalize import fold

CLAUSE_BREAKS = frozenset({",", ";", ".", "!", "?", "\n", ":", "(", ")"})
# After an interrogative these make it an indefinite or an exclamation: "nào cũng", "mấy quá".
NOT_ASKING_AFTER = frozenset({
    "cung", "chang", "cha", "dau", "ma", "ca", "cac", "moi", "mn", "ae", "qua", "lam", "ghe",
})  # fmt: skip
# "loại nào cũng ngon", "ai mua cũng khen": an indefinite, when one of these follows in the clause.
INDEFINITE_LATER = frozenset({"cung", "deu"})
NEGATION_WORDS = frozenset(fold(word) for word in NEGATIONS)
# "mấy bạn", "mấy chị ơi": mấy in front of people means "you all".
PEOPLE = frozenset({
    "ban", "chi", "c", "anh", "a", "em", "e", "co", "chu", "bac", "ong", "ba", "nguoi", "dua",
    "me", "be", "nang", "ac", "ce", "ae", "dong",
})  # fmt: skip
# "mua mấy lần rồi", "mấy hôm nay": mấy meaning "a few".
PAST_AFTER = frozenset({"roi", "r", "nay", "truoc", "qua"})
# "hay quá", "hay thật": hay as praise, not "or".
PRAISE_AFTER = frozenset({
    "qua", "lam", "ghe", "the", "vay", "v", "z", "that", "nhat", "nhi", "phet", "xiu", "ha",
    "ne", "do", "dz", "hon",
})  # fmt: skip


def clause_ends(ctx: Context, j: int) -> bool:
    """Only particles ("ạ", "shop", "vậy") follow token `j - 1` in its clause."""
    while j < ctx.size and j not in ctx.phone:
        word = ctx.word(j)
        if word in CLAUSE_BREAKS:
            return True
        if word not in QUESTION_TAIL:
            return False
        j += 1
    return True


def _negation(ctx: Context, i: int, nxt: int, start: int) -> Signal | None:
    """ "còn hàng không ạ": a negation closing a clause asks, as does one before "hay" and a
    second choice ("có giòn không hay bị ỉu")."""
    if i > start and ctx.word(nxt) == "hay" and not clause_ends(ctx, nxt + 1):
        return S_ASK if ctx.word(nxt + 1) not in PRAISE_AFTER else None
    return S_ASK if i > start and clause_ends(ctx, nxt) else None


def _final(ctx: Context, i: int, nxt: int, start: int) -> Signal | None:
    """ "hả", "à" closing a clause; a bare "a" is "ạ" or "anh" and "ha ha" is laughter."""
    raw, word = ctx.text.raw(i), ctx.word(i)
    if word == "a" and raw.isascii():
        return None
    if (i > 0 and ctx.word(i - 1) == word) or ctx.word(nxt) == word:
        return None
    return _negation(ctx, i, nxt, start)


def _interrogative(ctx: Context, i: int, nxt: int, start: int) -> Signal | None:
    """ "nào", "gì", "mấy", "đâu": a question unless used as an indefinite."""
    word, after = ctx.word(i), ctx.word(nxt)
    if after in NOT_ASKING_AFTER or (word == "nao" and i == start):
        return None  # "nào cả nhà", "gì mà ngon thế"
    if _clause_has(ctx, nxt, INDEFINITE_LATER):
        return None  # "loại nào của shop cũng ngon"
    if word == "dau" and any(_negates(ctx, k) for k in range(start, i)):
        return None  # "không sao đâu": emphasis, not "where"
    if word == "may" and (after in PEOPLE or PAST_AFTER & {after, ctx.word(nxt + 1)}):
        return None  # "mấy bạn ơi", "mua mấy lần rồi"
    return S_ASK


def _negates(ctx: Context, k: int) -> bool:
    """ "không", "chưa" (read with its tone mark: folded "chua" is also "sour")."""
    return ctx.word(k) in NEGATION_WORDS or ctx.text.raw(k).lower() == "chưa"


def _clause_has(ctx: Context, j: int, words: frozenset[str]) -> bool:
    """One of `words` comes at or after token `j`, before the clause ends."""
    while j < ctx.size and ctx.word(j) not in CLAUSE_BREAKS:
        if ctx.word(j) in words:
            return True
        j += 1
    return False


def _closing(ctx: Context, i: int, nxt: int, start: int) -> Signal | None:
    """ "vậy", "thế", "hơn" closing a clause."""
    return S_VAY if i > start and clause_ends(ctx, nxt) else None


def _alternative(ctx: Context, i: int, nxt: int, start: int) -> Signal | None:
    """ "X hay Y": "hay" between two things, not "hay quá" or a clause-final "hay"."""
    if i == start or ctx.word(nxt) in PRAISE_AFTER or clause_ends(ctx, nxt):
        return None
    return S_ALT


Resolver = Callable[[Context, int, int, int], Signal | None]
POSITIONAL: dict[Signal, Resolver] = {
    Signal.NEG: _negation,
    Signal.FINAL: _final,
    Signal.WH: _interrogative,
    Signal.VAY: _closing,
    Signal.ALT: _alternative,
}


def positional_signal(ctx: Context, signal: Signal, i: int, nxt: int, start: int) -> Signal | None:
    """What a position-dependent keyword at tokens i..nxt-1 means in a clause from `start`."""
    return POSITIONAL[signal](ctx, i, nxt, start)
