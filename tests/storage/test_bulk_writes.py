"""Score rows are written once per (station, month, run), by executemany or, for a
county's thousands on PostgreSQL, by COPY through a staging table: the same outcome."""

from __future__ import annotations

import pytest

from bot.domain.assessment import LadderStep, Verdict
from storage.repositories.bulk import insert_new
from storage.repositories.scores import SqlScoreRepo
from storage.schema import outbox
from tests.support.backends import table_rows
from tests.support.scoring import at


def score(station_id: int, verdict: Verdict, fen: int) -> dict:
    return {
        "station_id": station_id,
        "period": "2026-10",
        "run_no": 1,
        "policy_version": 0,
        "tier": "ordinary",
        "window_months": 1,
        "downstream_fen": fen,
        "upstream_fen": 0,
        "upstream_parcels": 0,
        "threshold_downstream_fen": 200_000,
        "threshold_upstream_fen": 100_000,
        "threshold_upstream_parcels": 100,
        "verdict": verdict.value,
        "failing_months": 0 if verdict is Verdict.PASS else 1,
        "ladder_step": LadderStep.ACTIVE.value,
        "status_before": "active",
        "scored_at": at("2026-11-03"),
    }


@pytest.mark.parametrize("copy_from", [1, 10_000], ids=["copy", "executemany"])
async def test_a_score_row_is_written_once(engine, uow_factory, county, copy_from, monkeypatch):
    net = county[0]
    monkeypatch.setattr(SqlScoreRepo, "COPY_FROM", copy_from)
    first = [score(net.station_a1, Verdict.PASS, 250_000), score(net.station_a2, Verdict.FAIL, 0)]
    async with uow_factory(write=True) as uow:
        await uow.scores.write(first)
        await uow.commit()
    again = [score(net.station_a1, Verdict.FAIL, 1), score(net.station_a3, Verdict.FAIL, 5)]
    async with uow_factory(write=True) as uow:
        await uow.scores.write(again)  # A-S1's row exists: skipped, not replaced
        await uow.scores.write([score(net.station_b1, Verdict.PASS, 9)])  # twice in one
        await uow.commit()
    rows = {r["station_id"]: r for r in await table_rows(uow_factory, "station_scores")}
    assert {sid: (r["verdict"], r["downstream_fen"]) for sid, r in rows.items()} == {
        net.station_a1: ("pass", 250_000),
        net.station_a2: ("fail", 0),
        net.station_a3: ("fail", 5),
        net.station_b1: ("pass", 9),
    }
    assert rows[net.station_a1]["scored_at"] == at("2026-11-03")


async def test_a_failed_transaction_leaves_no_score_rows(engine, uow_factory, county, monkeypatch):
    net = county[0]
    monkeypatch.setattr(SqlScoreRepo, "COPY_FROM", 1)
    with pytest.raises(RuntimeError):
        async with uow_factory(write=True) as uow:
            await uow.scores.write([score(net.station_a1, Verdict.PASS, 1)])
            raise RuntimeError("crash before commit")
    assert await table_rows(uow_factory, "station_scores") == []


@pytest.mark.parametrize("copy_from", [1, 10_000], ids=["copy", "executemany"])
async def test_bulk_insert_counts_only_new_rows(engine, uow_factory, copy_from):
    def row(key: str) -> dict:
        now = at("2026-11-03")
        return {
            "dedup_key": key,
            "kind": "digest",
            "channel": "telegram",
            "chat_id": "-100",
            "params": "{}",
            "status": "pending",
            "attempts": 0,
            "next_attempt_at": now,
            "created_at": now,
        }

    async with uow_factory(write=True) as uow:
        first = await insert_new(
            uow.connection, outbox, [row("a"), row("b")], conflict=["dedup_key"],
            copy_from=copy_from, count=True,
        )  # fmt: skip
        again = await insert_new(
            uow.connection, outbox, [row("b"), row("c"), row("d")], conflict=["dedup_key"],
            copy_from=copy_from, count=True,
        )  # fmt: skip
        await uow.commit()
    assert (first, again) == (2, 2)
    assert [r["dedup_key"] for r in await table_rows(uow_factory, "outbox")] == list("abcd")
