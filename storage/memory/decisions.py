"""`DecisionRepo` in memory: one row per button press, keyed by its request key."""

from __future__ import annotations

from dataclasses import asdict

from bot.services.ports import DecisionRow, StoredDecision
from storage.memory.rows import build
from storage.memory.scoring_rows import Decision
from storage.memory.state import Transaction


class MemoryDecisionRepo:
    def __init__(self, tx: Transaction) -> None:
        self.tx = tx

    async def record(self, values: DecisionRow) -> bool:
        key = values["request_key"]
        if self.tx.first("station_decisions", lambda d: d.request_key == key):
            return False  # the same button pressed twice
        self.tx.references("stations", values["station_id"], "station_decisions.station_id")
        self.tx.references("people", values.get("decided_by"), "station_decisions.decided_by")
        decision_id = self.tx.next_id("station_decisions")
        row = build(Decision, {**values, "id": decision_id})
        self.tx.insert("station_decisions", decision_id, row)
        return True

    async def of_station(self, station_id: int) -> list[StoredDecision]:
        found = [d for d in self.tx.rows("station_decisions") if d.station_id == station_id]
        return [StoredDecision(**asdict(d)) for d in found]
