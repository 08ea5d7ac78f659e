"""`ScoreRepo` in memory: the county's stations, the window aggregate over the ledger,
failing months from the latest run, score rows (insert-or-skip) and station statuses."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, replace
from datetime import datetime

from bot.domain.ledger import EntryKind
from bot.services.ports import ScoreRow, StationRow, StoredScore
from storage.memory.network import county_station_ids
from storage.memory.rows import build
from storage.memory.scoring_rows import Score
from storage.memory.state import Transaction, utc_now


class MemoryScoreRepo:
    def __init__(self, tx: Transaction) -> None:
        self.tx = tx

    async def stations(self, county_id: int, failing_as_of: str | None = None) -> list[StationRow]:
        ids = county_station_ids(self.tx, county_id)
        found = sorted((s for s in self.tx.rows("stations") if s.id in ids), key=lambda s: s.code)
        failing = {}
        if failing_as_of is not None:
            failing = await self.failing_months(county_id, failing_as_of)
        return [
            StationRow(s.id, s.code, s.name, s.tier, s.status, s.opened_on, failing.get(s.id, 0))
            for s in found
        ]

    async def window_totals(
        self,
        county_id: int,
        periods: list[str],
        downstream: Iterable[EntryKind],
        upstream_yuan: Iterable[EntryKind],
        upstream_parcels: Iterable[EntryKind],
    ) -> dict[int, tuple[int, int, int]]:
        """Plain sums: reversals carry negated values. Only stations with an entry of one
        of the kinds in the periods appear, as in the SQL GROUP BY."""
        down = {k.value for k in downstream}
        up = {k.value for k in upstream_yuan}
        parcels = {k.value for k in upstream_parcels}
        ids, months = county_station_ids(self.tx, county_id), set(periods)
        totals: dict[int, tuple[int, int, int]] = {}
        for e in self.tx.rows("ledger_entries"):
            if e.station_id not in ids or e.period not in months:
                continue
            if e.kind not in down | up | parcels:
                continue
            d, u, p = totals.get(e.station_id, (0, 0, 0))
            totals[e.station_id] = (
                d + (e.amount_fen if e.kind in down else 0),
                u + (e.amount_fen if e.kind in up else 0),
                p + (e.parcel_count if e.kind in parcels else 0),
            )
        return totals

    async def failing_months(self, county_id: int, period: str) -> dict[int, int]:
        ids = county_station_ids(self.tx, county_id)
        latest: dict[int, Score] = {}
        for score in self.tx.rows("station_scores"):
            if score.period != period or score.station_id not in ids:
                continue
            if score.station_id not in latest or latest[score.station_id].run_no < score.run_no:
                latest[score.station_id] = score
        return {station: score.failing_months for station, score in latest.items()}

    async def write(self, rows: list[ScoreRow]) -> None:
        scores = self.tx.read("station_scores")
        for values in rows:
            key = (values["station_id"], values["period"], values["run_no"])
            if key not in scores:  # ON CONFLICT DO NOTHING
                self.tx.references("stations", key[0], "station_scores.station_id")
                self.tx.insert("station_scores", key, build(Score, dict(values)))
                scores = self.tx.read("station_scores")

    async def of_month(self, county_id: int, period: str) -> list[StoredScore]:
        ids = county_station_ids(self.tx, county_id)
        found = [s for s in self.tx.rows("station_scores") if s.period == period]
        code = {s.id: s.code for s in self.tx.rows("stations")}
        found = [s for s in found if s.station_id in ids]
        found.sort(key=lambda s: (code[s.station_id], s.run_no))
        return [StoredScore(**asdict(s), code=code[s.station_id]) for s in found]

    async def set_statuses(self, changes: dict[int, str], now: datetime) -> None:
        now = utc_now(now)
        for station_id, status in changes.items():
            row = self.tx.get("stations", station_id)
            if row is not None:
                self.tx.write("stations")[station_id] = replace(row, status=status, updated_at=now)
