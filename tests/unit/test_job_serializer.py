"""arq's jobs and results go through orjson: a failed job's exception is kept as its type."""

from __future__ import annotations

import orjson
import pytest
from arq.jobs import deserialize_result, serialize_result
from arq.worker import JobExecutionFailed

from aggregator.runtime.queue import deserialize_job, serialize_job


def _result(value: object, success: bool) -> bytes | None:
    return serialize_result(
        "send_confirmation", (42,), {}, 1, 0, success, value, 0, 1, "ref", "q", "job-1",
        serializer=serialize_job,
    )  # fmt: skip


def test_a_failed_jobs_exception_is_stored_by_its_type_without_its_text() -> None:
    stored = _result(JobExecutionFailed("buyer 0912345678 unreachable"), success=False)
    assert stored is not None
    info = deserialize_result(stored, deserializer=deserialize_job)
    assert info.result == "failed: JobExecutionFailed"
    assert info.success is False
    assert b"0912345678" not in stored


def test_a_timed_out_job_keeps_its_type_too() -> None:
    stored = _result(TimeoutError(), success=False)
    assert stored is not None
    assert orjson.loads(stored)["r"] == "failed: TimeoutError"


def test_a_job_argument_json_cannot_hold_is_still_refused() -> None:
    with pytest.raises(TypeError, match="set"):
        serialize_job({"a": {1, 2}})


def test_a_successful_result_round_trips() -> None:
    stored = _result({"sent": 3}, success=True)
    assert stored is not None
    assert deserialize_result(stored, deserializer=deserialize_job).result == {"sent": 3}
