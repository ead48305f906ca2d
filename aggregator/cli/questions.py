"""`chotdon questions eval`: how right the automatic answers are on a labelled set.

Reads a JSON-lines set of question comments (id, text, kind, answer: facts the answer must state
or null) and the live's facts (products with per-variant prices and stock, origin and OCOP, the
cooperative's province, delivery fee and VietQR), answers each as chotdon would, and prints the
accuracy among the answered (the target is 95 % or more), the coverage of the answerable, the
kind accuracy and every miss. Exit status 1 below the target.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import orjson
import typer

from aggregator.core.questions.evaluate import facts_from_data, labelled, score

TARGET = 0.95
DATA = Path("tests/data/questions")
questions_app = typer.Typer(help="Buyers' questions: evaluate the automatic answers.")


@questions_app.command("eval")
def evaluate(
    labelled_set: Annotated[Path, typer.Option("--set", help="labelled JSON lines")] = DATA
    / "questions.jsonl",
    facts: Annotated[Path, typer.Option("--facts", help="the live's facts (JSON)")] = DATA
    / "live.json",
    show_misses: Annotated[bool, typer.Option("--misses/--no-misses")] = True,
) -> None:
    """Answer every labelled question as chotdon would and print how many were right."""
    try:
        records = [
            labelled(orjson.loads(line))
            for line in labelled_set.read_text(encoding="utf-8").splitlines()
            if line.strip()
        ]
        live = facts_from_data(orjson.loads(facts.read_bytes()))
    except (OSError, ValueError, KeyError) as exc:
        typer.echo(f"cannot read the evaluation data: {exc}", err=True)
        raise typer.Exit(2) from None
    result = score(records, live)
    typer.echo(f"questions: {result.total}  kind right: {result.kind_accuracy:.1%}")
    typer.echo(f"answered automatically: {result.answered}  correct: {result.correct}  "
               f"accuracy among answered: {result.accuracy:.1%} (target {TARGET:.0%})")  # fmt: skip
    typer.echo(f"answerable: {result.answerable}  coverage: {result.coverage:.1%}")
    if show_misses:
        for miss in result.misses:
            typer.echo(f"  {miss}")
    if result.accuracy < TARGET:
        raise typer.Exit(1)
