"""The one pass test (bot.domain.assessment): a table of cases, then the ladder."""

from __future__ import annotations

from datetime import date

import pytest

from bot.domain.assessment import (
    Figures,
    LadderStep,
    Projection,
    Rules,
    Thresholds,
    UpstreamRule,
    Verdict,
    assess,
    ladder_step,
    months_open,
    window,
)
from bot.domain.network import StationStatus
from bot.domain.periods import Period

T = Thresholds(downstream_fen=200_000, upstream_fen=100_000, upstream_parcels=100)
OR, AND = UpstreamRule.YUAN_OR_PARCELS, UpstreamRule.YUAN_AND_PARCELS

CASES = [
    # (case, month, rules, extra, verdict, (missing down, up fen, up parcels))
    ("all met", Figures(200_000, 100_000, 100), Rules(), {}, Verdict.PASS, (0, 0, 0)),
    ("parcels stand in for yuan", Figures(200_000, 0, 100), Rules(), {}, Verdict.PASS, (0, 0, 0)),
    ("yuan stand in for parcels", Figures(200_000, 100_000, 0), Rules(), {}, Verdict.PASS,
     (0, 0, 0)),
    ("nothing logged", Figures(), Rules(), {}, Verdict.FAIL, (200_000, 100_000, 100)),
    ("one fen short downstream", Figures(199_999, 100_000, 0), Rules(), {}, Verdict.FAIL,
     (1, 0, 0)),
    ("upstream short both ways", Figures(200_000, 99_000, 99), Rules(), {}, Verdict.FAIL,
     (0, 1_000, 1)),
    ("downstream not required", Figures(0, 100_000, 0), Rules(require_downstream=False), {},
     Verdict.PASS, (0, 0, 0)),
    ("and-rule needs both", Figures(200_000, 100_000, 40), Rules(upstream_rule=AND), {},
     Verdict.FAIL, (0, 0, 60)),
    ("yuan rule ignores parcels", Figures(200_000, 50_000, 500),
     Rules(upstream_rule=UpstreamRule.YUAN), {}, Verdict.FAIL, (0, 50_000, 0)),
    ("parcels rule ignores yuan", Figures(200_000, 0, 100),
     Rules(upstream_rule=UpstreamRule.PARCELS), {}, Verdict.PASS, (0, 0, 0)),
    ("reversals count negative", Figures(-5_000, 100_000, 0), Rules(), {}, Verdict.FAIL,
     (205_000, 0, 0)),
    # A three-month window: the test is on the average, rounded down.
    ("window average met", Figures(100_000, 100_000, 0), Rules(window_months=3),
     {"earlier": Figures(500_000, 200_000, 0)}, Verdict.PASS, (0, 0, 0)),
    ("window average one fen short", Figures(99_999, 100_000, 0), Rules(window_months=3),
     {"earlier": Figures(500_000, 200_000, 0)}, Verdict.FAIL, (1, 0, 0)),
    # Grace: open this many months or fewer is not judged; missing is still told.
    ("grace, third month", Figures(), Rules(grace_months=3), {"months_open": 3}, Verdict.GRACE,
     (200_000, 100_000, 100)),
    ("judged from the fourth month", Figures(), Rules(grace_months=3), {"months_open": 4},
     Verdict.FAIL, (200_000, 100_000, 100)),
    ("no opening date: judged", Figures(), Rules(grace_months=3), {"months_open": None},
     Verdict.FAIL, (200_000, 100_000, 100)),
    # Projected (nudges): 10 of 30 days gone, on pace for the month.
    ("on pace", Figures(70_000, 34_000, 0), Rules(), {"projection": Projection(10, 30)},
     Verdict.PASS, (0, 0, 0)),
    ("behind pace", Figures(60_000, 34_000, 0), Rules(), {"projection": Projection(10, 30)},
     Verdict.FAIL, (140_000, 0, 0)),
]  # fmt: skip


@pytest.mark.parametrize(
    ("month", "rules", "extra", "verdict", "missing"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_assess(month, rules, extra, verdict, missing):
    result = assess(month, T, rules, **extra)
    assert result.verdict is verdict
    assert (
        result.missing_downstream_fen,
        result.missing_upstream_fen,
        result.missing_upstream_parcels,
    ) == missing
    assert result.passes == (verdict is Verdict.PASS)
    # What is missing is nothing exactly when the targets are met.
    assert result.targets_met == (missing == (0, 0, 0))


def test_the_judged_figures_are_the_window_average_rounded_down():
    result = assess(Figures(100, 10, 2), T, Rules(window_months=2), earlier=Figures(1, 1, 1))
    assert result.judged == Figures(50, 5, 1)


def test_stored_values_are_unchanged_strings():
    assert [v.value for v in Verdict] == ["pass", "fail", "grace"]
    assert [s.value for s in LadderStep] == ["active", "warned", "probation", "candidate"]
    assert Verdict.PASS == "pass" and f"{LadderStep.WARNED:<8}|" == "warned  |"


@pytest.mark.parametrize(
    ("failing", "step"),
    [
        (0, LadderStep.ACTIVE),
        (1, LadderStep.WARNED),
        (2, LadderStep.PROBATION),
        (3, LadderStep.CANDIDATE),
        (9, LadderStep.CANDIDATE),
    ],
)
def test_ladder(failing, step):
    assert ladder_step(failing, warn_after=1, probation_after=2, candidate_after=3) is step


def test_a_removal_candidate_stays_on_probation_until_staff_decide():
    assert LadderStep.CANDIDATE.status is StationStatus.PROBATION
    assert LadderStep.WARNED.status is StationStatus.WARNED


def test_months_open_and_window():
    assert months_open(date(2026, 9, 15), Period(2026, 10)) == 2
    assert months_open(date(2025, 12, 1), Period(2026, 1)) == 2
    assert months_open(None, Period(2026, 1)) is None
    assert window(Period(2026, 2), 3) == [Period(2026, 2), Period(2026, 1), Period(2025, 12)]
