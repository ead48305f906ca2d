"""Send jobs of stored outbound rows: enqueued at once, or once the storing transaction commits.

A row stored through the pool is committed by the time its statement returns, so its send job can
be enqueued right away. A row stored inside a transaction still open (a message composed under
its order's lock, with the event that records it) is not: a job enqueued then could run before
the commit and find no row. Such a caller passes SendsAfterCommit instead of the arq pool and
enqueues what it collected once the transaction has committed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from arq.connections import ArqRedis

from aggregator.runtime.keyed import enqueue_keyed


@dataclass(frozen=True, slots=True)
class SendJob:
    """The arq job that sends a platform's rows, and the job id it gives each row."""

    function: str
    prefix: str

    def job_id(self, message_id: int) -> str:
        return f"{self.prefix}:{message_id}"


@dataclass
class SendsAfterCommit:
    """The send jobs of rows stored in a transaction not yet committed, for `enqueue` after it."""

    due: list[tuple[SendJob, int]] = field(default_factory=list)

    async def enqueue(self, arq: ArqRedis) -> None:
        """Call once the transaction has committed. A failed enqueue leaves the row pending, and
        the sweeper enqueues it again (workers/sweeper.py)."""
        while self.due:
            await _enqueue_now(arq, *self.due.pop(0))


# Where a stored row's send job goes: the arq pool (now) or a collector (after the commit).
Sends = ArqRedis | SendsAfterCommit


async def enqueue_send(sends: Sends, job: SendJob, message_id: int) -> None:
    if isinstance(sends, SendsAfterCommit):
        sends.due.append((job, message_id))
    else:
        await _enqueue_now(sends, job, message_id)


async def _enqueue_now(arq: ArqRedis, job: SendJob, message_id: int) -> None:
    await enqueue_keyed(arq, job.function, message_id, job_id=job.job_id(message_id))
