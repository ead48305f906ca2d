"""Old and new parser code must read every comment the same: a comparison over many texts.

A speed change to aggregator/core/parser must not change a single reading. This script builds
one deterministic corpus (the labelled sets, the `bench parse` corpus and seeded variants of both:
accents dropped, spacing, case, phone numbers in many writings, quantities, codes, repeated
letters, emojis), reads it with the parser of each source tree given, each in its own process,
and prints how many readings (the JSON of each ParsedComment, with both the labelled catalogue and
the bench catalogue) differ.

    python tests/parser_readings.py OLD_TREE [NEW_TREE] [--variants N]

NEW_TREE defaults to this checkout. Exit status 1 when any reading differs. `--dump TREE` prints
the readings of one tree (the subprocess side of the comparison).
"""

from __future__ import annotations

import argparse
import hashlib
import random
import re
import subprocess
import sys
import tempfile
import unicodedata
from collections.abc import Callable
from pathlib import Path

import orjson

HERE = Path(__file__).resolve().parent
DATA = HERE / "data" / "comments"
LABELLED = ("dev.jsonl", "holdout.jsonl", "hard.jsonl", "hard_blind.jsonl")
SEED = 20261207
BENCH_COMMENTS = 100_000

PHONE_SHAPES = (
    "0{p}{a}{b}{c}", "0{p}{a} {b} {c}", "0{p}{a}.{b}.{c}", "0{p}{a}-{b}-{c}", "+84{p}{a}{b}{c}",
    "+84 {p}{a} {b} {c}", "(+84) {p}{a}{b}{c}", "84{p}{a}{b}{c}", "+84 0{p}{a}{b}{c}",
    "(+84){p}{a} {b} {c}", "0{p}{a}{b}", "02{a}{b}{c}", "0{p} {a}{b} {c}", "0{p}{a}{b}{c}9",
)  # fmt: skip
INSERTS = (
    "x2", "X 3", "*4", "sl: 2", "sl 5", "2c", "hai", "ba hộp", "2 hộp", "1 cân", "nửa cân",
    "5 lạng", "1L", "2kg", "500ml", "180k", "1tr2", "2024", "+1", "+2", "A01", "a 1", "b-02",
    "mã 5", "ma 08", "12", "08", "và", "+", ",", ".", "?", "!", "\n", "😍", "🔥🔥", "ạ", "nhé shop",
    "ko lấy nữa", "hủy", "chốt", "chot", "lấy", "còn không", "bao nhiêu", "xóm 5",
    "giao về 12 Lý Thường Kiệt", "mỗi thứ 1", "ck rồi", "st25", "mật ong nhãn", "nem chua",
    "vải", "nhãn", "1.5kg",
    "2,5 kg", "180.000đ", "lúc 8h", "thứ 2", "(", ")", "#123", "sđt", "đ/c", "tòa B2", "10",
    "1000", "0", "999", "một", "mười", "rưỡi", "1 ký rưỡi", "x 10", "×2", "x2x3", "2x",
)  # fmt: skip


def _strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text)
    kept = "".join(c for c in decomposed if not unicodedata.combining(c))
    return unicodedata.normalize("NFC", kept).replace("đ", "d").replace("Đ", "D")


def _phone(rng: random.Random) -> str:
    return rng.choice(PHONE_SHAPES).format(
        p=rng.choice("3456789"),
        a=rng.randint(0, 99),
        b=f"{rng.randint(0, 999):03d}",
        c=f"{rng.randint(0, 999):03d}",
    )


def _glue_or_space(text: str, rng: random.Random) -> str:
    words = text.split(" ")
    if len(words) > 1 and rng.random() < 0.5:
        k = rng.randrange(len(words) - 1)
        return " ".join([*words[:k], words[k] + words[k + 1], *words[k + 2 :]])
    return text.replace(" ", "  ", 1) if rng.random() < 0.5 else f" {text} "


def _insert(text: str, fragment: str, rng: random.Random) -> str:
    words = text.split(" ")
    words.insert(rng.randrange(len(words) + 1), fragment)
    return " ".join(words)


def _new_numbers(text: str, rng: random.Random) -> str:
    """Every run of digits given another value."""
    values = (0, 1, 2, 3, 9, 10, 12, 99, 100, 999, 1000, 2024)
    return re.sub(r"\d+", lambda _: str(rng.choice(values)), text)


def _drop_word(text: str, rng: random.Random) -> str:
    words = text.split(" ")
    if len(words) > 1:
        del words[rng.randrange(len(words))]
    return " ".join(words)


def _repeat_letter(text: str, rng: random.Random) -> str:
    words = text.split(" ")
    k = rng.randrange(len(words))
    if words[k]:
        words[k] += words[k][-1] * rng.randint(1, 4)
    return " ".join(words)


def _swap_words(text: str, rng: random.Random) -> str:
    words = text.split(" ")
    if len(words) > 1:
        k = rng.randrange(len(words) - 1)
        words[k], words[k + 1] = words[k + 1], words[k]
    return " ".join(words)


Mutation = Callable[[str, random.Random], str]
MUTATIONS: tuple[Mutation, ...] = (
    lambda t, _: _strip_accents(t),
    lambda t, _: t.upper(),
    lambda t, rng: t.lower() if rng.random() < 0.5 else t.title(),
    _glue_or_space,
    lambda t, rng: _insert(t, _phone(rng), rng),
    _new_numbers,
    lambda t, rng: _insert(t, rng.choice(INSERTS), rng),
    _drop_word,
    _repeat_letter,
    _swap_words,
    lambda t, rng: t.replace("A0", rng.choice(("A 0", "a-0", "a0", "A.0", "a_0")), 1),
    lambda t, rng: t.replace(" ", rng.choice((",", ", ", " , ", ".", "?", "\n")), 1),
    lambda t, _: unicodedata.normalize("NFD", t),  # decomposed accents, as some keyboards send
    lambda t, rng: t + rng.choice((" ạ", " nhé", "??", " shop ơi", " 😍", " ko", " không", " r")),
)


def labelled_texts() -> list[str]:
    texts = []
    for name in LABELLED:
        for line in (DATA / name).read_text(encoding="utf-8").splitlines():
            if line.strip():
                texts.append(str(orjson.loads(line)["text"]))
    return texts


def corpus(variants: int, bench_texts: list[str]) -> list[str]:
    """The labelled texts, the bench corpus's distinct texts, then `variants` mutated ones."""
    rng = random.Random(SEED)
    base = labelled_texts() + list(dict.fromkeys(bench_texts))
    out = list(base)
    for _ in range(variants):
        text = rng.choice(base)
        for _ in range(rng.randint(1, 3)):
            text = rng.choice(MUTATIONS)(text, rng)
        out.append(text)
    return out


def dump(tree: Path, texts_path: Path) -> None:
    """In a process of its own: read every text with `tree`'s parser, print one line each."""
    sys.path.insert(0, str(tree))
    from aggregator.cli.parse import BENCH_CATALOG
    from aggregator.core.parser import catalog_from_data, read_comment

    catalogs = (
        catalog_from_data(orjson.loads((DATA / "catalog.json").read_bytes())),
        catalog_from_data(BENCH_CATALOG),
    )
    out = sys.stdout.buffer
    for text in orjson.loads(texts_path.read_bytes()):
        readings = [read_comment(text, c).model_dump(mode="json") for c in catalogs]
        out.write(orjson.dumps(readings, option=orjson.OPT_APPEND_NEWLINE))


def readings_of(tree: Path, texts_path: Path) -> list[bytes]:
    done = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--dump", str(tree), str(texts_path)],
        cwd=tree,
        capture_output=True,
        check=True,
    )
    return done.stdout.splitlines()


def compare(old: Path, new: Path, variants: int) -> int:
    sys.path.insert(0, str(new))
    from aggregator.cli.parse import bench_corpus

    texts = corpus(variants, bench_corpus(BENCH_COMMENTS))
    with tempfile.TemporaryDirectory() as scratch:
        texts_path = Path(scratch) / "texts.json"
        texts_path.write_bytes(orjson.dumps(texts))
        before, after = readings_of(old, texts_path), readings_of(new, texts_path)
    assert len(before) == len(after) == len(texts)
    differing = [k for k, (a, b) in enumerate(zip(before, after, strict=True)) if a != b]
    for k in differing[:20]:
        print(f"{texts[k]!r}\n  old {before[k].decode()}\n  new {after[k].decode()}")
    digest = hashlib.sha256(b"\n".join(after)).hexdigest()[:16]
    print(
        f"{len(texts):,} texts ({len(texts) - variants:,} labelled and bench, {variants:,} "
        f"variants), read with 2 catalogues: {len(differing)} differ; readings sha256 {digest}"
    )
    return 1 if differing else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("old", type=Path, nargs="?")
    parser.add_argument("new", type=Path, nargs="?", default=HERE.parent)
    parser.add_argument("--variants", type=int, default=30_000)
    parser.add_argument("--dump", type=Path, help="print the readings of this tree")
    args = parser.parse_args()
    if args.dump is not None:
        dump(args.dump, args.old)
        return 0
    if args.old is None:
        parser.error("give the old tree")
    return compare(args.old.resolve(), args.new.resolve(), args.variants)


if __name__ == "__main__":
    sys.exit(main())
