"""Instructions per distinct comment of the parser, for valgrind (issue 21, goal 4).

Reads the distinct texts of the `bench parse` corpus once to warm the caches (as the bench's
distinct figure runs after its full pass), then once more with a fresh catalogue (so no reading
comes from the memo of whole texts) inside functools.reduce, a C function nothing else here
calls, so that callgrind counts that pass alone:

    valgrind --tool=callgrind --collect-atstart=no --toggle-collect=functools_reduce \
        python tests/parser_cost.py

The instructions it reports divided by the number of distinct texts printed is what one
distinct comment costs (`--limit N`: only the first N distinct texts, for a quicker look).
"""

from __future__ import annotations

import argparse
import gc
from functools import reduce

from aggregator.cli.parse import BENCH_CATALOG, bench_corpus
from aggregator.core.parser import catalog_from_data, parse_comment


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--comments", type=int, default=100_000)
    parser.add_argument("--limit", type=int, default=None)
    args = parser.parse_args()
    gc.freeze()
    distinct = list(dict.fromkeys(bench_corpus(args.comments)))
    catalog = catalog_from_data(BENCH_CATALOG)
    for text in distinct:
        parse_comment(text, catalog)
    measured = distinct[: args.limit]
    catalog = catalog_from_data(BENCH_CATALOG)
    reduce(lambda _, text: parse_comment(text, catalog), measured, None)
    print(f"{len(measured)} distinct texts measured")


if __name__ == "__main__":
    main()
