"""Default thresholds and what a month's ledger adds up to (站点考核).

Defaults are the numbers of `001_…` (ordinary: ≥ 2,000 yuan downstream and ≥ 1,000 yuan
or ≥ 100 parcels upstream; demonstration villages: 8,000 / 4,000 / 400); a county's
policy replaces them. The pass test itself is `bot.domain.assessment.assess`.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain.assessment import Figures, Thresholds
from bot.domain.ledger import EntryKind
from bot.domain.network import Tier

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

    @property
    def figures(self) -> Figures:
        """The three figures the pass test reads."""
        return Figures(self.downstream_fen, self.upstream_fen, self.upstream_parcels)
