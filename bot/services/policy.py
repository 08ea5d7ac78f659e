"""County policy (考核办法) as a validated model, loaded from TOML and stored as JSON.

Every threshold, the averaging window, the grace period, the ladder and the reminder
timings are per-county policy, not constants: other counties use other numbers.
"""

from __future__ import annotations

import tomllib
from decimal import Decimal
from enum import StrEnum
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from bot.domain.errors import InvalidInput
from bot.domain.ledger import EntryKind
from bot.domain.network import Tier
from bot.domain.policy import Thresholds
from bot.domain.text import N_

DEFAULT_FILE = Path(__file__).resolve().parents[1] / "samples" / "policy_default.toml"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TierThresholds(Strict):
    downstream_yuan: Decimal = Field(ge=0, le=10_000_000, decimal_places=2)
    upstream_yuan: Decimal = Field(ge=0, le=10_000_000, decimal_places=2)
    upstream_parcels: int = Field(ge=0, le=1_000_000)

    def fen(self) -> Thresholds:
        return Thresholds(
            int(self.downstream_yuan * 100), int(self.upstream_yuan * 100), self.upstream_parcels
        )


class UpstreamRule(StrEnum):
    YUAN_OR_PARCELS = "yuan_or_parcels"
    YUAN_AND_PARCELS = "yuan_and_parcels"
    YUAN = "yuan"
    PARCELS = "parcels"


class Metrics(Strict):
    downstream_kinds: list[EntryKind] = [EntryKind.PROXY_PURCHASE]
    upstream_yuan_kinds: list[EntryKind] = [EntryKind.UPSTREAM_SALE]
    upstream_parcel_kinds: list[EntryKind] = [EntryKind.UPSTREAM_SHIPMENT]
    require_downstream: bool = True
    upstream_rule: UpstreamRule = UpstreamRule.YUAN_OR_PARCELS


class Assessment(Strict):
    # Months before this one (YYYY-MM) are never scored: the county started using the
    # ledger then, and earlier months have no data to judge.
    first_month: str | None = Field(default=None, pattern=r"^\d{4}-(0[1-9]|1[0-2])$")
    window_months: int = Field(default=1, ge=1, le=12)
    grace_months: int = Field(default=3, ge=0, le=24)
    correction_close_day: int = Field(default=3, ge=1, le=28)


class Ladder(Strict):
    warn_after: int = Field(default=1, ge=1, le=12)
    probation_after: int = Field(default=2, ge=1, le=12)
    removal_candidate_after: int = Field(default=3, ge=1, le=24)

    @model_validator(mode="after")
    def _ordered(self) -> Ladder:
        if not self.warn_after <= self.probation_after <= self.removal_candidate_after:
            raise ValueError(
                "ladder steps must be ordered: warn_after ≤ probation_after ≤ "
                "removal_candidate_after"
            )
        return self


class Reminders(Strict):
    nudge_day: int = Field(default=20, ge=1, le=28)
    idle_reminder_days: int = Field(default=3, ge=1, le=60)
    idle_alert_days: int = Field(default=7, ge=1, le=90)
    stranded_reminder_hours: int = Field(default=48, ge=1, le=24 * 30)
    stranded_return_days: int = Field(default=7, ge=1, le=90)
    stranded_staff_threshold: int = Field(default=10, ge=1, le=10_000)


class CountyPolicy(Strict):
    thresholds: dict[Tier, TierThresholds] = {
        Tier.ORDINARY: TierThresholds(
            downstream_yuan=Decimal(2000), upstream_yuan=Decimal(1000), upstream_parcels=100
        ),
        Tier.DEMONSTRATION: TierThresholds(
            downstream_yuan=Decimal(8000), upstream_yuan=Decimal(4000), upstream_parcels=400
        ),
    }
    metrics: Metrics = Metrics()
    assessment: Assessment = Assessment()
    ladder: Ladder = Ladder()
    reminders: Reminders = Reminders()

    @model_validator(mode="after")
    def _every_tier(self) -> CountyPolicy:
        missing = [tier.value for tier in Tier if tier not in self.thresholds]
        if missing:
            raise ValueError(f"thresholds missing for tier(s): {', '.join(missing)}")
        return self

    def thresholds_for(self, tier: Tier) -> Thresholds:
        return self.thresholds[tier].fen()


class PolicyError(InvalidInput):
    def __init__(self, errors: list[str]) -> None:
        super().__init__(N_("The policy file has errors:\n{errors}"), errors="\n".join(errors))
        self.errors = errors


def parse_policy(text: str) -> CountyPolicy:
    """Parse TOML into a policy; every problem is listed (PolicyError.errors)."""
    try:
        # Decimal, never float: 1000.10 yuan must stay exact.
        data = tomllib.loads(text, parse_float=Decimal)
    except tomllib.TOMLDecodeError as error:
        raise PolicyError([f"not valid TOML: {error}"]) from None
    try:
        return CountyPolicy.model_validate(data)
    except ValidationError as error:
        raise PolicyError(
            [
                f"{'.'.join(str(part) for part in e['loc']) or '(file)'}: {e['msg']}"
                for e in error.errors()
            ]
        ) from None


def default_policy() -> CountyPolicy:
    return parse_policy(DEFAULT_FILE.read_text(encoding="utf-8"))


def to_json(policy: CountyPolicy) -> str:
    return policy.model_dump_json()


def from_json(text: str) -> CountyPolicy:
    return CountyPolicy.model_validate_json(text)


async def load_policy(uow, county_id: int) -> tuple[int, CountyPolicy]:
    """(version, policy) stored for a county; (0, the default) when it has none."""
    stored = await uow.scoring.policy(county_id)
    if stored is None:
        return 0, default_policy()
    return stored[0], from_json(stored[1])
