"""County policy (考核办法) as a validated model, loaded from TOML and stored as JSON.

Every threshold, the averaging window, the grace period, the ladder and the reminder
timings are per-county policy, not constants: other counties use other numbers.
"""

from __future__ import annotations

import tomllib
from decimal import Decimal
from functools import cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from bot.domain.assessment import LadderStep, Rules, Thresholds, UpstreamRule, ladder_step
from bot.domain.errors import InvalidInput
from bot.domain.ledger import EntryKind
from bot.domain.network import Tier
from bot.domain.policy import MonthMetrics
from bot.domain.text import N_
from bot.services.ports import UnitOfWork
from bot.services.subsidy_rules import ClaimsPolicy, SubsidyRule, check_unique_codes

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


class Metrics(Strict):
    downstream_kinds: list[EntryKind] = [EntryKind.PROXY_PURCHASE]
    upstream_yuan_kinds: list[EntryKind] = [EntryKind.UPSTREAM_SALE]
    upstream_parcel_kinds: list[EntryKind] = [EntryKind.UPSTREAM_SHIPMENT]
    require_downstream: bool = True
    upstream_rule: UpstreamRule = UpstreamRule.YUAN_OR_PARCELS


class AssessmentPolicy(Strict):
    # Months before this one (YYYY-MM) are never scored: the county started using the
    # ledger then, and earlier months have no data to judge.
    first_month: str | None = Field(default=None, pattern=r"^\d{4}-(0[1-9]|1[0-2])$")
    window_months: int = Field(default=1, ge=1, le=12)
    grace_months: int = Field(default=3, ge=0, le=24)
    correction_close_day: int = Field(default=3, ge=1, le=28)


class LadderPolicy(Strict):
    warn_after: int = Field(default=1, ge=1, le=12)
    probation_after: int = Field(default=2, ge=1, le=12)
    removal_candidate_after: int = Field(default=3, ge=1, le=24)

    @model_validator(mode="after")
    def _ordered(self) -> LadderPolicy:
        if not self.warn_after <= self.probation_after <= self.removal_candidate_after:
            raise ValueError(
                "ladder steps must be ordered: warn_after ≤ probation_after ≤ "
                "removal_candidate_after"
            )
        return self


class ReminderPolicy(Strict):
    nudge_day: int = Field(default=20, ge=1, le=28)
    idle_reminder_days: int = Field(default=3, ge=1, le=60)
    idle_alert_days: int = Field(default=7, ge=1, le=90)
    stranded_reminder_hours: int = Field(default=48, ge=1, le=24 * 30)
    stranded_return_days: int = Field(default=7, ge=1, le=90)
    stranded_staff_threshold: int = Field(default=10, ge=1, le=10_000)


class BoardPolicy(Strict):
    """The notice board (issue 11): the poster's heading, the check-in geofence, the
    inspection checklist, how many complaints one person may file a day."""

    heading: str = Field(default="全国电子商务进农村综合示范项目", min_length=1, max_length=40)
    geofence_m: int = Field(default=300, ge=20, le=20_000)
    checklist: list[str] = Field(
        default=["signage", "notice_board", "fee_list", "equipment", "ledger"],
        min_length=1,
        max_length=12,
    )
    complaints_per_day: int = Field(default=3, ge=1, le=100)


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
    assessment: AssessmentPolicy = AssessmentPolicy()
    ladder: LadderPolicy = LadderPolicy()
    reminders: ReminderPolicy = ReminderPolicy()
    # subsidy claims (issue 10): the county's subsidy rules, [[subsidies]] in the file
    subsidies: list[SubsidyRule] = []
    claims: ClaimsPolicy = ClaimsPolicy()
    board: BoardPolicy = BoardPolicy()  # the notice board (issue 11)

    @model_validator(mode="after")
    def _every_tier(self) -> CountyPolicy:
        missing = [tier.value for tier in Tier if tier not in self.thresholds]
        if missing:
            raise ValueError(f"thresholds missing for tier(s): {', '.join(missing)}")
        check_unique_codes(self.subsidies)
        return self

    def subsidy_rule(self, code: str):
        """The subsidy rule with this code, or None."""
        return next((rule for rule in self.subsidies if rule.code == code), None)

    def thresholds_for(self, tier: Tier) -> Thresholds:
        return self.thresholds[tier].fen()

    def month_metrics(
        self,
        totals: dict[EntryKind, tuple[int, int, int]],
        counts: dict[EntryKind, int] | None = None,
    ) -> MonthMetrics:
        """A month's metrics, with this policy's choice of which kinds count where."""
        m = self.metrics
        return MonthMetrics.from_totals(
            totals,
            counts or {},
            downstream=m.downstream_kinds,
            upstream_yuan=m.upstream_yuan_kinds,
            upstream_parcels=m.upstream_parcel_kinds,
        )

    def rules(self) -> Rules:
        """This policy's part of the pass test (`bot.domain.assessment.assess`)."""
        return Rules(
            require_downstream=self.metrics.require_downstream,
            upstream_rule=self.metrics.upstream_rule,
            window_months=self.assessment.window_months,
            grace_months=self.assessment.grace_months,
        )

    def ladder_step(self, failing_months: int) -> LadderStep:
        return ladder_step(
            failing_months,
            warn_after=self.ladder.warn_after,
            probation_after=self.ladder.probation_after,
            candidate_after=self.ladder.removal_candidate_after,
        )


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


@cache  # a policy is frozen, and the file ships with the code: parse it once
def default_policy() -> CountyPolicy:
    return parse_policy(DEFAULT_FILE.read_text(encoding="utf-8"))


def to_json(policy: CountyPolicy) -> str:
    return policy.model_dump_json()


def from_json(text: str) -> CountyPolicy:
    return CountyPolicy.model_validate_json(text)


async def load_policy(uow: UnitOfWork, county_id: int) -> tuple[int, CountyPolicy]:
    """(version, policy) stored for a county; (0, the default) when it has none."""
    stored = await uow.policies.get(county_id)
    if stored is None:
        return 0, default_policy()
    return stored[0], from_json(stored[1])
