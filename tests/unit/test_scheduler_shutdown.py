"""A scheduled job cut off by shutdown ends quietly (no error report), and nothing else is
swallowed: the demo and `bot run` stop without a traceback while a job is mid-transaction."""

from __future__ import annotations

import asyncio

import pytest

from jobs.scheduler import stops_quietly


async def test_a_job_cancelled_at_shutdown_ends_quietly():
    started = asyncio.Event()

    @stops_quietly
    async def job() -> None:
        started.set()
        await asyncio.sleep(10)

    task = asyncio.create_task(job())
    await started.wait()
    task.cancel()
    assert await task is None  # no CancelledError reaches the scheduler's error log


async def test_other_errors_are_still_reported():
    @stops_quietly
    async def job() -> None:
        raise RuntimeError("a real failure")

    with pytest.raises(RuntimeError):
        await job()
