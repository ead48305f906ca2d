"""The shell around the comment parser: `chotdon parse`, `parse --eval`, `bench parse`.

Plain functions over text streams; aggregator/cli/main.py wires them into typer. A malformed catalog
raises `CatalogError` (one line, naming the entry) before any comment is read.
"""

from __future__ import annotations

import io
import random
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import orjson
from rich.console import Console
from rich.table import Table
from unidecode import unidecode

from aggregator.core.parser import (
    Catalog,
    CatalogError,
    catalog_from_data,
    parse_comment,
    read_comment,
)
from aggregator.runtime.startup import freeze_startup_objects
from schema.parsing import Intent, ParsedComment

FIELDS = ("intent", "items", "phone")
WORST_MISSES = 15
BENCH_SEED = 20240611
TARGET_PER_S = 50_000.0  # issue 21, goal 4


def load_catalog(path: Path) -> Catalog:
    """Read and compile a catalog file; any problem raises CatalogError with one line."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise CatalogError(f"cannot read catalog {path}: {exc.strerror or exc}") from None
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise CatalogError(f"catalog {path} is not valid JSON: {exc}") from None
    return catalog_from_data(data)


def comment_record(parsed: ParsedComment) -> dict[str, Any]:
    """The output fields of one parsed comment, as in the labelled files."""
    return {
        "intent": parsed.intent.value,
        "items": [{"code": i.code, "qty": i.qty, "variant": i.variant} for i in parsed.items],
        "phone": parsed.phone,
    }


def _read_line(line: str, number: int) -> tuple[Any, str] | dict[str, Any]:
    """(id, text) of an input line, or the error record for it."""
    try:
        record = orjson.loads(line)
    except orjson.JSONDecodeError as exc:
        return {"id": None, "line": number, "error": f"malformed JSON: {exc}"}
    if not isinstance(record, dict):
        return {"id": None, "line": number, "error": "line is not a JSON object"}
    text = record.get("text")
    if not isinstance(text, str):
        problem = "missing 'text'" if text is None else "'text' must be a string"
        return {"id": record.get("id"), "line": number, "error": problem}
    return record.get("id"), text


def run_parse(catalog_path: Path, stdin: TextIO, stdout: TextIO) -> int:
    """JSON lines in, one JSON line out per non-blank input line, in order. Returns 0."""
    catalog = load_catalog(catalog_path)
    freeze_startup_objects()  # 2-3x on JSON lines without it
    parse_lines(catalog, stdin, stdout)
    return 0


def parse_lines(catalog: Catalog, lines: Iterable[str], stdout: TextIO) -> None:
    """The loop of `chotdon parse`: one write per line (stdout buffers), no flush."""
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        read = _read_line(line, number)
        if isinstance(read, dict):
            out = read
        else:
            out = {"id": read[0], **comment_record(parse_comment(read[1], catalog))}
        stdout.write(orjson.dumps(out, option=orjson.OPT_APPEND_NEWLINE).decode())


@dataclass
class Miss:
    id: Any
    text: str
    expected: dict[str, Any]
    got: dict[str, Any]

    @property
    def wrong_fields(self) -> list[str]:
        return [f for f in FIELDS if self.expected.get(f) != self.got.get(f)]


@dataclass
class Evaluation:
    """Accuracy of the parser on labelled comments."""

    total: int = 0
    exact: int = 0
    correct: Counter[str] = field(default_factory=Counter)
    confusion: Counter[tuple[str, str]] = field(default_factory=Counter)
    misses: list[Miss] = field(default_factory=list)
    bad_lines: list[str] = field(default_factory=list)

    def share(self, count: int) -> float:
        return count / self.total if self.total else 0.0

    @property
    def exact_match(self) -> float:
        return self.share(self.exact)

    def field_accuracy(self, name: str) -> float:
        return self.share(self.correct[name])


def evaluate(lines: Iterable[str], catalog: Catalog) -> Evaluation:
    """Compare the parser with labelled JSON lines ({"id", "text", "intent", "items", "phone"})."""
    result = Evaluation()
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        read = _read_line(line, number)
        if isinstance(read, dict):
            result.bad_lines.append(f"line {number}: {read['error']}")
            continue
        expected = orjson.loads(line)
        got = comment_record(parse_comment(read[1], catalog))
        result.total += 1
        result.confusion[(str(expected.get("intent")), got["intent"])] += 1
        wrong = [f for f in FIELDS if expected.get(f) != got[f]]
        result.correct.update(f for f in FIELDS if f not in wrong)
        if wrong:
            result.misses.append(Miss(read[0], read[1], expected, got))
        else:
            result.exact += 1
    return result


def run_eval(catalog_path: Path, labelled_path: Path, out: TextIO) -> int:
    """Print exact-match and per-field accuracy, the intent confusion table and the worst misses."""
    catalog = load_catalog(catalog_path)
    with labelled_path.open(encoding="utf-8") as lines:
        result = evaluate(lines, catalog)
    print_evaluation(result, out)
    return 0


def print_evaluation(result: Evaluation, out: TextIO) -> None:
    console = Console(file=out, width=120, force_terminal=False, no_color=True)
    summary = Table(title=f"Parser accuracy on {result.total} comments")
    summary.add_column("measure")
    summary.add_column("accuracy", justify="right")
    summary.add_row("exact match", f"{result.exact_match:.1%}")
    for name in FIELDS:
        summary.add_row(name, f"{result.field_accuracy(name):.1%}")
    console.print(summary)
    console.print(_confusion_table(result))
    if result.misses:
        console.print(_misses_table(result.misses))
    for bad in result.bad_lines:
        console.print(f"skipped {bad}")


def _confusion_table(result: Evaluation) -> Table:
    intents = [i.value for i in Intent]
    table = Table(title="Intent confusion (rows: expected, columns: parsed)")
    table.add_column("expected")
    for name in intents:
        table.add_column(name, justify="right")
    for expected in intents:
        table.add_row(expected, *(str(result.confusion[(expected, got)]) for got in intents))
    return table


def _misses_table(misses: list[Miss]) -> Table:
    worst = sorted(misses, key=lambda m: -len(m.wrong_fields))[:WORST_MISSES]
    table = Table(title=f"Worst misses ({len(worst)} of {len(misses)})")
    for column in ("id", "text", "field", "expected", "parsed"):
        table.add_column(column, overflow="fold")
    for miss in worst:
        for name in miss.wrong_fields:
            expected = orjson.dumps(miss.expected.get(name)).decode()
            got = orjson.dumps(miss.got.get(name)).decode()
            table.add_row(str(miss.id), miss.text, name, expected, got)
    return table


# A small built-in catalog so the benchmark needs no files.
BENCH_CATALOG: list[dict[str, Any]] = [
    {"code": "A01", "name": "Gạo ST25", "aliases": ["st25", "gạo st25"], "price": 180000,
     "variants": []},
    {"code": "M02", "name": "Mật ong hoa nhãn", "aliases": ["mật ong", "mật ong nhãn"],
     "price": 150000, "variants": ["500ml", "1l"]},
    {"code": "N01", "name": "Nem chua", "aliases": ["nem chua", "nem"], "price": 60000,
     "variants": []},
    {"code": "V05", "name": "Vải thiều", "aliases": ["vải thiều", "vải"], "price": 45000,
     "variants": ["1kg", "2kg", "5kg"]},
    {"code": "B01", "name": "Bánh cáy", "aliases": ["bánh cáy"], "price": 45000, "variants": []},
    {"code": "05", "name": "Tương Nam Đàn", "aliases": ["tương nam đàn"], "price": 45000,
     "variants": []},
]  # fmt: skip
_BENCH_TEMPLATES = (
    "chốt {code} x{n}",
    "lấy {n} hộp {alias} nhé, sđt {phone}",
    "e lấy {alias} {n} túi giao về {n} Lý Thường Kiệt",
    "{code} {n}kg x{n} {phone}",
    "cho e {n} {alias} giá 180k nha shop",
    "hủy {code} giúp em",
    "{alias} còn không shop ơi",
    "giá {alias} bao nhiêu vậy",
    "ck rồi nhé shop",
    "hay quá shop ơi ❤️❤️",
    "mã 5 x{n} sdt +84 9{n}{n} 234 567",
    "CHOT {code} SL {n} GIAO VE THAI BINH",
)


def bench_corpus(n: int, seed: int = BENCH_SEED) -> list[str]:
    """`n` deterministic comments from templates of codes, aliases, quantities and phones."""
    rng = random.Random(seed)
    codes = [p["code"] for p in BENCH_CATALOG]
    aliases = [a for p in BENCH_CATALOG for a in p["aliases"]]
    return [
        rng.choice(_BENCH_TEMPLATES).format(
            code=rng.choice(codes),
            alias=rng.choice(aliases),
            n=rng.randint(1, 9),
            phone=f"09{rng.randint(10_000_000, 99_999_999)}",
        )
        for _ in range(n)
    ]


def _rate(count: int, work: Callable[[], object]) -> float:
    """Items per CPU second of this process: the machine is shared, and wall time would count
    the time other processes held the core."""
    start = time.process_time()
    work()
    return count / max(time.process_time() - start, 1e-9)


def _drain(items: Iterator[object]) -> None:
    for _ in items:
        pass


def _parse_all(texts: list[str]) -> Callable[[], None]:
    """Every text through parse_comment with a fresh catalog (so an empty memo)."""
    catalog = catalog_from_data(BENCH_CATALOG)
    return lambda: _drain(parse_comment(t, catalog) for t in texts)


def _read_in_full(text: str, catalog: Catalog) -> ParsedComment:
    """A reading with no memo at all: neither of recent texts nor of comments that differ only
    in their phone digits (the catalog's masked memo, emptied first)."""
    catalog.masked.clear()
    return read_comment(text, catalog)


def _read_all_in_full(texts: list[str]) -> Callable[[], None]:
    catalog = catalog_from_data(BENCH_CATALOG)
    return lambda: _drain(_read_in_full(t, catalog) for t in texts)


def _parse_jsonl(lines: list[str]) -> Callable[[], None]:
    """What `chotdon parse` does after start-up: JSON lines in, JSON lines out (in memory)."""
    catalog = catalog_from_data(BENCH_CATALOG)
    return lambda: parse_lines(catalog, lines, io.StringIO())


def _memo_differences(texts: list[str]) -> int:
    """How many readings the memos give that a full reading of the text would not."""
    memo, fresh = catalog_from_data(BENCH_CATALOG), catalog_from_data(BENCH_CATALOG)
    return sum(parse_comment(t, memo) != _read_in_full(t, fresh) for t in texts)


def run_bench(n: int, out: TextIO) -> dict[str, float]:
    """Comments/s on one core, against lower+unidecode of the same texts.

    Printed three times: on the corpus as a live has it (templates, so texts repeat and the memo
    of recent readings answers repeats), on its distinct texts only (most differ from another
    only in the buyer's phone number, whose meaning the catalog's masked memo gives), and on the
    distinct texts each read in full, with no memo at all.
    """
    freeze_startup_objects()  # measured as `chotdon parse` runs
    texts = bench_corpus(n)
    distinct = list(dict.fromkeys(texts))
    lines = [orjson.dumps({"id": i, "text": t}).decode() + "\n" for i, t in enumerate(texts)]
    distinct_lines = [orjson.dumps({"id": i, "text": t}).decode() + "\n" for i, t in
                      enumerate(distinct)]  # fmt: skip
    baseline = _rate(n, lambda: _drain(unidecode(t.lower()) for t in texts))
    parsed = _rate(n, _parse_all(texts))
    parsed_distinct = _rate(len(distinct), _parse_all(distinct))
    in_full = _rate(len(distinct), _read_all_in_full(distinct))
    jsonl = _rate(n, _parse_jsonl(lines))
    jsonl_distinct = _rate(len(distinct), _parse_jsonl(distinct_lines))
    differing = _memo_differences(texts)
    result = {
        "comments": float(n),
        "distinct_comments": float(len(distinct)),
        "comments_per_s": parsed,
        "distinct_per_s": parsed_distinct,
        "distinct_in_full_per_s": in_full,
        "jsonl_per_s": jsonl,
        "jsonl_distinct_per_s": jsonl_distinct,
        "baseline_per_s": baseline,
        "ratio_to_baseline": parsed / baseline,
        "distinct_ratio_to_baseline": parsed_distinct / baseline,
        "target_per_s": TARGET_PER_S,
        "memo_differences": float(differing),
    }
    out.write(
        f"baseline (lower + unidecode): {baseline:,.0f} comments/s\n"
        f"parse: {parsed:,.0f} comments/s over {n:,} comments, {len(distinct):,} distinct "
        f"(repeats answered from the memo) = {parsed / baseline:.2f} x baseline\n"
        f"parse, distinct texts only: {parsed_distinct:,.0f} comments/s over {len(distinct):,} "
        f"= {parsed_distinct / baseline:.2f} x baseline\n"
        f"parse, distinct texts each read in full (no memo at all): {in_full:,.0f} comments/s "
        f"= {in_full / baseline:.2f} x baseline\n"
        f"chotdon parse (JSON lines in and out, after start-up): {jsonl:,.0f} comments/s; "
        f"distinct texts only: {jsonl_distinct:,.0f} comments/s\n"
        f"readings from the memo that differ from a full reading: {differing}\n"
        f"target: {TARGET_PER_S:,.0f} comments/s on one core (all rates: per CPU second)\n"
    )
    return result
