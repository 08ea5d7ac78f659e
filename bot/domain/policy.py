"""Monthly thresholds and the pass test (站点考核).

Defaults are the numbers of `001_…` (ordinary: ≥ 2,000 yuan downstream and ≥ 1,000 yuan
or ≥ 100 parcels upstream; demonstration villages: 8,000 / 4,000 / 400). Per-county
policy files replace them in the scoring work; until then these apply everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain.ledger import EntryKind
from bot.domain.network import Tier


@dataclass(frozen=True)
class Thresholds:
    downstream_fen: int
    upstream_fen: int
    upstream_parcels: int


DEFAULT_THRESHOLDS = {
    Tier.ORDINARY: Thresholds(200_000, 100_000, 100),
    Tier.DEMONSTRATION: Thresholds(800_000, 400_000, 400),
}

# Which ledger kinds feed which metric (the default reading of the plans).
DOWNSTREAM_KINDS = frozenset({EntryKind.PROXY_PURCHASE})
UPSTREAM_YUAN_KINDS = frozenset({EntryKind.UPSTREAM_SALE})
UPSTREAM_PARCEL_KINDS = frozenset({EntryKind.UPSTREAM_SHIPMENT})


@dataclass(frozen=True)
class MonthMetrics:
    downstream_fen: int
    upstream_fen: int
    upstream_parcels: int
    parcels_in: int
    parcels_out: int
    parcels_returned: int
    services: int
    services_fen: int

    @classmethod
    def from_totals(
        cls,
        totals: dict[EntryKind, tuple[int, int, int]],
        counts: dict[EntryKind, int],
        *,
        downstream=DOWNSTREAM_KINDS,
        upstream_yuan=UPSTREAM_YUAN_KINDS,
        upstream_parcels=UPSTREAM_PARCEL_KINDS,
    ) -> MonthMetrics:
        """The month's metrics; which kinds count where is the county policy's choice."""

        def amount(kinds) -> int:
            return sum(totals.get(k, (0, 0, 0))[0] for k in kinds)

        def parcels(kind) -> int:
            return totals.get(kind, (0, 0, 0))[2]

        return cls(
            downstream_fen=amount(downstream),
            upstream_fen=amount(upstream_yuan),
            upstream_parcels=sum(parcels(k) for k in upstream_parcels),
            parcels_in=parcels(EntryKind.PARCEL_IN),
            parcels_out=parcels(EntryKind.PARCEL_PICKUP),
            parcels_returned=parcels(EntryKind.PARCEL_RETURN),
            services=counts.get(EntryKind.SERVICE, 0),
            services_fen=amount({EntryKind.SERVICE}),
        )


@dataclass(frozen=True)
class Verdict:
    passes: bool
    downstream_ok: bool
    upstream_ok: bool
    missing_downstream_fen: int
    missing_upstream_fen: int
    missing_upstream_parcels: int


def evaluate(
    metrics: MonthMetrics,
    thresholds: Thresholds,
    *,
    require_downstream: bool = True,
    upstream_rule: str = "yuan_or_parcels",
) -> Verdict:
    """By default: downstream AND (upstream yuan OR upstream parcels)."""
    return judge(
        metrics.downstream_fen,
        metrics.upstream_fen,
        metrics.upstream_parcels,
        thresholds,
        require_downstream=require_downstream,
        upstream_rule=upstream_rule,
    )


def judge(
    downstream_fen: int,
    upstream_fen: int,
    upstream_parcels: int,
    thresholds: Thresholds,
    *,
    require_downstream: bool = True,
    upstream_rule: str = "yuan_or_parcels",
) -> Verdict:
    missing_down = max(0, thresholds.downstream_fen - downstream_fen)
    missing_up = max(0, thresholds.upstream_fen - upstream_fen)
    missing_parcels = max(0, thresholds.upstream_parcels - upstream_parcels)
    down_ok = missing_down == 0 or not require_downstream
    yuan_ok, parcels_ok = missing_up == 0, missing_parcels == 0
    up_ok = {
        "yuan_or_parcels": yuan_ok or parcels_ok,
        "yuan_and_parcels": yuan_ok and parcels_ok,
        "yuan": yuan_ok,
        "parcels": parcels_ok,
    }[upstream_rule]
    return Verdict(down_ok and up_ok, down_ok, up_ok, missing_down, missing_up, missing_parcels)
