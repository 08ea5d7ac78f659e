"""The pass test (站点考核): the one place that decides pass / fail / grace and what is
missing.

A keeper's /month, the monthly scoring and the mid-month nudges all call `assess`, so
what a keeper is shown and the month's verdict cannot disagree.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from bot.domain.network import StationStatus
from bot.domain.periods import Period


class Verdict(StrEnum):
    PASS = "pass"
    FAIL = "fail"
    GRACE = "grace"  # too new to be judged


class LadderStep(StrEnum):
    """Where consecutive failing months put a station on the retention ladder."""

    ACTIVE = "active"
    WARNED = "warned"
    PROBATION = "probation"
    CANDIDATE = "candidate"  # for removal: county staff decide

    @property
    def status(self) -> StationStatus:
        # A removal candidate stays on probation until county staff decide.
        return _STEP_STATUS[self]


_STEP_STATUS = {
    LadderStep.ACTIVE: StationStatus.ACTIVE,
    LadderStep.WARNED: StationStatus.WARNED,
    LadderStep.PROBATION: StationStatus.PROBATION,
    LadderStep.CANDIDATE: StationStatus.PROBATION,
}


class UpstreamRule(StrEnum):
    YUAN_OR_PARCELS = "yuan_or_parcels"
    YUAN_AND_PARCELS = "yuan_and_parcels"
    YUAN = "yuan"
    PARCELS = "parcels"


@dataclass(frozen=True, slots=True)
class Thresholds:
    downstream_fen: int
    upstream_fen: int
    upstream_parcels: int


@dataclass(frozen=True, slots=True)
class Figures:
    """The three measured figures: sums of ledger entries (reversals included)."""

    downstream_fen: int = 0
    upstream_fen: int = 0
    upstream_parcels: int = 0

    def __add__(self, other: Figures) -> Figures:
        return Figures(
            self.downstream_fen + other.downstream_fen,
            self.upstream_fen + other.upstream_fen,
            self.upstream_parcels + other.upstream_parcels,
        )

    def scaled(self, numerator: int, denominator: int) -> Figures:
        """Each figure × numerator // denominator (integers: fen stay exact, rounded down)."""
        return Figures(
            self.downstream_fen * numerator // denominator,
            self.upstream_fen * numerator // denominator,
            self.upstream_parcels * numerator // denominator,
        )


_NOTHING = Figures()


@dataclass(frozen=True, slots=True)
class Rules:
    """The county policy's part of the test (defaults: the plain test, no grace)."""

    require_downstream: bool = True
    upstream_rule: UpstreamRule = UpstreamRule.YUAN_OR_PARCELS
    window_months: int = 1  # the test is on the average over this many months
    grace_months: int = 0  # a station open this many months or fewer is not judged


@dataclass(frozen=True, slots=True)
class Projection:
    """Judge the month as if it went on at the pace of its first `elapsed_days`."""

    elapsed_days: int
    month_days: int


@dataclass(frozen=True, slots=True)
class Assessment:
    verdict: Verdict
    downstream_ok: bool
    upstream_ok: bool
    judged: Figures  # what was compared with the thresholds: window averages, rounded down
    # What the month still needs (or needed) to meet each target; 0 where the target is
    # met or does not count under the rules. In the month's own amounts, so that with a
    # window of several months it is what the keeper has to log, not an average.
    missing_downstream_fen: int = 0
    missing_upstream_fen: int = 0
    missing_upstream_parcels: int = 0

    @property
    def passes(self) -> bool:
        return self.verdict is Verdict.PASS

    @property
    def targets_met(self) -> bool:
        """The targets are met, whether or not the station is judged (grace)."""
        return self.downstream_ok and self.upstream_ok


def assess(
    month: Figures,
    thresholds: Thresholds,
    rules: Rules = Rules(),
    *,
    earlier: Figures = _NOTHING,
    months_open: int | None = None,
    projection: Projection | None = None,
) -> Assessment:
    """Judge a station's month.

    `month` is the month's own figures (so far, when it has not ended); `earlier` the sum
    of the window's earlier months (empty for a one-month window); `months_open` how many
    months the station had been open by the month's end (None: long enough). With a
    `projection` the month's figures are projected to its end before the test, and what
    is missing is still counted from what has been logged.
    """
    window = rules.window_months
    logged = month if earlier is _NOTHING else earlier + month
    if projection is not None:
        month = month.scaled(projection.month_days, max(1, projection.elapsed_days))
        judged = (earlier + month).scaled(1, window)
    else:
        judged = logged if window == 1 else logged.scaled(1, window)
    yuan_ok = judged.upstream_fen >= thresholds.upstream_fen
    parcels_ok = judged.upstream_parcels >= thresholds.upstream_parcels
    down_ok = judged.downstream_fen >= thresholds.downstream_fen or not rules.require_downstream
    rule = rules.upstream_rule
    if rule is UpstreamRule.YUAN_OR_PARCELS:
        up_ok = yuan_ok or parcels_ok
    elif rule is UpstreamRule.YUAN_AND_PARCELS:
        up_ok = yuan_ok and parcels_ok
    else:
        up_ok = yuan_ok if rule is UpstreamRule.YUAN else parcels_ok
    if months_open is not None and months_open <= rules.grace_months:
        verdict = Verdict.GRACE
    else:
        verdict = Verdict.PASS if down_ok and up_ok else Verdict.FAIL
    # What the month still needs: an average over `window` months meets a target when
    # the sum reaches target × window.
    missing_down = missing_yuan = missing_parcels = 0
    if not down_ok:
        missing_down = max(0, thresholds.downstream_fen * window - logged.downstream_fen)
    if not up_ok:
        if rule is not UpstreamRule.PARCELS:
            missing_yuan = max(0, thresholds.upstream_fen * window - logged.upstream_fen)
        if rule is not UpstreamRule.YUAN:
            missing_parcels = max(0, thresholds.upstream_parcels * window - logged.upstream_parcels)
    return Assessment(verdict, down_ok, up_ok, judged, missing_down, missing_yuan, missing_parcels)


def window(period: Period, months: int) -> list[Period]:
    """The averaging window ending with `period`: `period` first, then the months before."""
    periods = [period]
    for _ in range(months - 1):
        periods.append(periods[-1].previous())
    return periods


def months_open(opened_on: date | None, period: Period) -> int | None:
    """Whole months a station had been open by the end of `period` (None: not recorded,
    which counts as long enough to be judged)."""
    if opened_on is None:
        return None
    return (period.year - opened_on.year) * 12 + (period.month - opened_on.month) + 1


def ladder_step(
    failing_months: int, *, warn_after: int, probation_after: int, candidate_after: int
) -> LadderStep:
    if failing_months >= candidate_after:
        return LadderStep.CANDIDATE
    if failing_months >= probation_after:
        return LadderStep.PROBATION
    if failing_months >= warn_after:
        return LadderStep.WARNED
    return LadderStep.ACTIVE
