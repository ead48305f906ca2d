"""Long-running processes keep their start-up objects out of later garbage collections: `serve`
and `worker` freeze them once everything is imported, just before they start serving."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from aggregator.cli import commands
from aggregator.runtime import startup
from aggregator.settings import Settings
from workers import runner


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path, log_json=False)  # nothing is connected to


@pytest.fixture(autouse=True)
def _unfrozen() -> Iterator[None]:
    gc.unfreeze()
    yield
    gc.unfreeze()  # the rest of the suite collects as before


def test_freezing_moves_the_live_objects_out_of_collection() -> None:
    assert gc.get_freeze_count() == 0
    startup.freeze_startup_objects()
    assert gc.get_freeze_count() > 1_000  # the imported application, at least


def test_serve_freezes_after_building_the_app_and_before_running_it(
    monkeypatch: pytest.MonkeyPatch, settings: Settings
) -> None:
    seen: dict[str, int] = {}
    monkeypatch.setattr(
        commands, "create_app", lambda s: seen.setdefault("built", gc.get_freeze_count())
    )
    monkeypatch.setattr(
        commands.web, "run_app", lambda *a, **k: seen.setdefault("ran", gc.get_freeze_count())
    )
    commands.serve(settings)
    assert seen["built"] == 0 and seen["ran"] > 0


def test_a_worker_freezes_before_it_runs(
    monkeypatch: pytest.MonkeyPatch, settings: Settings
) -> None:
    seen: list[int] = []

    class Worker:
        def run(self) -> None:
            seen.append(gc.get_freeze_count())

    def build(*_args: Any, **_kwargs: Any) -> Worker:
        return Worker()

    monkeypatch.setattr(runner, "build_worker", build)
    runner.run_worker(settings, "orders")
    assert seen and seen[0] > 0
