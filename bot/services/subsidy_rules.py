"""Subsidy rules (补贴规则) of a county, as validated models inside its policy file.

The county plans pay three kinds of money after the fact, from special funds kept in
separate accounts (专款专用、单独建账): a per-parcel logistics subsidy for upstream produce
(`003_…`, `000_…`), a monthly reward for the stations with outstanding upstream results
(`001_…`), and "other" claims a person must justify with evidence. Each rule has the dates
it is in force and a yearly budget; a claim is judged by the rule in force for its month.
Amounts are yuan with at most two decimals in the file and integer fen everywhere else.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from bot.domain.claims import PerParcelTerms, RewardTerms, RewardTier
from bot.domain.periods import Period

Yuan = Annotated[Decimal, Field(ge=0, le=100_000_000, decimal_places=2)]
PositiveYuan = Annotated[Decimal, Field(gt=0, le=100_000_000, decimal_places=2)]


def fen(yuan: Decimal) -> int:
    return int(yuan * 100)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Rule(_Strict):
    # A short code names the rule in claims and statements (e.g. "parcel2026").
    code: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,19}$")
    name: str = Field(min_length=1, max_length=40)
    # The fund (专项资金) it is paid from: one subsidy account per county and fund.
    fund: str = Field(default="", max_length=40)
    valid_from: date
    valid_until: date | None = None
    yearly_budget_yuan: PositiveYuan

    @model_validator(mode="after")
    def _dates(self):
        if self.valid_until is not None and self.valid_until < self.valid_from:
            raise ValueError("valid_until is before valid_from")
        return self

    def in_force(self, period: Period) -> bool:
        """In force for a month when it covers the month's first day."""
        day = period.first_day()
        return self.valid_from <= day and (self.valid_until is None or day <= self.valid_until)

    @property
    def budget_fen(self) -> int:
        return fen(self.yearly_budget_yuan)

    @property
    def fund_name(self) -> str:
        return self.fund or self.name


class PerParcelRule(_Rule):
    """(a) 每单物流补贴: so much per upstream produce parcel, capped per station and month."""

    kind: Literal["per_parcel"]
    yuan_per_parcel: PositiveYuan
    products: list[Annotated[str, Field(min_length=1, max_length=40)]] = Field(min_length=1)
    min_weight_kg: Decimal = Field(default=Decimal(0), ge=0, le=1000, decimal_places=3)
    monthly_cap_yuan: PositiveYuan
    # A month can be claimed once it is closed, until this many months after it.
    claim_within_months: int = Field(default=3, ge=1, le=24)

    def terms(self) -> PerParcelTerms:
        return PerParcelTerms(
            fen_per_parcel=fen(self.yuan_per_parcel),
            products=frozenset(self.products),
            min_weight_g=int(self.min_weight_kg * 1000),
            monthly_cap_fen=fen(self.monthly_cap_yuan),
        )


class RewardTierModel(_Strict):
    # In a top-N rule: ranks 1..up_to_rank get amount_yuan (tiers in rising rank order).
    up_to_rank: int | None = Field(default=None, ge=1, le=10_000)
    # In a bar rule: stations with at least this much upstream get amount_yuan.
    min_upstream_yuan: Yuan | None = None
    amount_yuan: PositiveYuan


class UpstreamRewardRule(_Rule):
    """(b) 上行奖励: each month, the top N stations by upstream yuan, or every station above
    a bar, get a fixed or tiered amount. Needs no filing: the monthly job creates the
    claims (submitted) once the month is scored."""

    kind: Literal["upstream_reward"]
    top_n: int | None = Field(default=None, ge=1, le=10_000)
    above_yuan: Yuan | None = None
    amount_yuan: PositiveYuan | None = None
    tiers: list[RewardTierModel] = []

    @model_validator(mode="after")
    def _one_way(self):
        if (self.top_n is None) == (self.above_yuan is None):
            raise ValueError("give exactly one of top_n or above_yuan")
        if (self.amount_yuan is None) == (not self.tiers):
            raise ValueError("give exactly one of amount_yuan or tiers")
        for tier in self.tiers:
            if self.top_n is not None and tier.up_to_rank is None:
                raise ValueError("a top_n rule's tiers need up_to_rank")
            if self.above_yuan is not None and tier.min_upstream_yuan is None:
                raise ValueError("an above_yuan rule's tiers need min_upstream_yuan")
        return self

    def terms(self) -> RewardTerms:
        return RewardTerms(
            top_n=self.top_n,
            above_fen=None if self.above_yuan is None else fen(self.above_yuan),
            amount_fen=None if self.amount_yuan is None else fen(self.amount_yuan),
            tiers=tuple(
                RewardTier(
                    up_to_rank=t.up_to_rank,
                    min_fen=None if t.min_upstream_yuan is None else fen(t.min_upstream_yuan),
                    amount_fen=fen(t.amount_yuan),
                )
                for t in self.tiers
            ),
        )


class OtherRule(_Rule):
    """(c) 其他: a free amount up to a ceiling, with a description and evidence."""

    kind: Literal["other"]
    ceiling_yuan: PositiveYuan
    min_evidence: int = Field(default=1, ge=1, le=20)
    claim_within_months: int = Field(default=3, ge=1, le=24)

    @property
    def ceiling_fen(self) -> int:
        return fen(self.ceiling_yuan)


SubsidyRule = Annotated[PerParcelRule | UpstreamRewardRule | OtherRule, Field(discriminator="kind")]


def check_unique_codes(rules: list) -> None:
    seen: set[str] = set()
    for rule in rules:
        if rule.code in seen:
            raise ValueError(f"two subsidy rules have the code {rule.code!r}")
        seen.add(rule.code)


class ClaimsPolicy(_Strict):
    """How a county reviews claims: with `township_check`, a township operator of the
    claim's township checks it first, and county staff approve only checked claims."""

    township_check: bool = False
