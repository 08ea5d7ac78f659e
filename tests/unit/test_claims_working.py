"""The working behind a claim, as pure functions: which parcels count and why not, the cap
with its reason, every fen mapped to a parcel, the reward ranking, the flags, the states."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.domain.claims import (
    ClaimState,
    ClaimStep,
    Excluded,
    Flag,
    IllegalTransition,
    Parcel,
    PerParcelTerms,
    RewardTerms,
    RewardTier,
    anomaly_flags,
    next_state,
    per_parcel_working,
    reward_amounts,
)

T = datetime(2026, 10, 10, 4, tzinfo=UTC)
TERMS = PerParcelTerms(200, frozenset({"脆李", "茶叶"}), 1000, 30_000)


def parcel(n, product="脆李", weight=2500, voided=False, at=T, tail=None):
    return Parcel(n, f"SF{n:010d}", product, weight, voided, at, at, tail)


def test_each_parcel_counts_or_says_why_not():
    parcels = [
        parcel(1),
        parcel(2, product="手机壳"),
        parcel(3, weight=500),
        parcel(4, voided=True),
        parcel(5),
        parcel(6),
    ]
    working = per_parcel_working(parcels, TERMS, approved={"SF0000000006": 17})
    assert [p.entry_id for p in working.counted] == [1, 5]
    assert {p.entry_id: why for p, why in working.excluded} == {
        2: Excluded.NOT_PRODUCE,
        3: Excluded.UNDER_WEIGHT,
        4: Excluded.VOIDED,
        6: Excluded.ALREADY_CLAIMED,
    }
    assert working.claimed_elsewhere == {"SF0000000006": 17}
    assert working.gross_fen == 400 and working.amount_fen == 400 and working.trimmed_fen == 0


def test_the_cap_trims_and_every_fen_maps_to_a_parcel():
    working = per_parcel_working([parcel(n) for n in range(1, 174)], TERMS, {})
    assert len(working.counted) == 173
    assert working.gross_fen == 34_600 and working.amount_fen == 30_000
    assert working.trimmed_fen == 4_600
    shares = working.line_amounts()
    assert sum(share for _, share in shares) == working.amount_fen
    assert all(share in (0, 200) for _, share in shares)
    assert [share for _, share in shares].count(200) == 150


def test_a_tracking_number_logged_twice_counts_once():
    again = Parcel(9, "SF0000000001", "脆李", 2500, False, T, T)
    working = per_parcel_working([parcel(1), again], TERMS, {})
    assert len(working.counted) == 1 and working.excluded[0][1] is Excluded.ALREADY_CLAIMED


def test_top_n_with_tiers_and_ties():
    terms = RewardTerms(3, None, None, (RewardTier(1, None, 100_000), RewardTier(3, None, 50_000)))
    upstream = {1: 900_000, 2: 800_000, 3: 800_000, 4: 700_000, 5: 0, 6: 600_000}
    # Ranks 1, 2, 2, 4: the tie shares second place, the next station is fourth.
    assert reward_amounts(upstream, terms) == {1: 100_000, 2: 50_000, 3: 50_000}
    tied = {1: 500, 2: 500, 3: 500, 4: 500, 7: 100}
    fixed = RewardTerms(2, None, 20_000)
    assert reward_amounts(tied, fixed) == {1: 20_000, 2: 20_000, 3: 20_000, 4: 20_000}


def test_bar_with_tiers():
    terms = RewardTerms(
        None,
        500_000,
        None,
        (RewardTier(None, 500_000, 30_000), RewardTier(None, 1_000_000, 80_000)),
    )
    assert reward_amounts({1: 499_999, 2: 500_000, 3: 2_000_000}, terms) == {
        2: 30_000,
        3: 80_000,
    }


def test_flags_ask_a_person_to_look():
    month_end = datetime(2026, 10, 31, 16, tzinfo=UTC)
    usual = [parcel(n, weight=1000 + n * 37, at=T + timedelta(hours=n)) for n in range(30)]
    assert anomaly_flags(usual, [28, 31, 25], month_end) == []
    assert Flag.FAR_ABOVE_MEDIAN in anomaly_flags(usual, [5, 6, 9], month_end)
    same = [parcel(n, weight=2500, tail="1234") for n in range(12)]
    flags = anomaly_flags(same, [], month_end)
    assert Flag.SAME_WEIGHT in flags and Flag.SAME_RECIPIENT_TAIL in flags
    late = [parcel(n, weight=1000 + n, at=month_end - timedelta(hours=3)) for n in range(12)]
    assert anomaly_flags(late, [], month_end) == [Flag.BURST_BEFORE_CLOSE]


@pytest.mark.parametrize(
    ("state", "step", "after"),
    [
        (ClaimState.DRAFT, ClaimStep.SUBMIT, ClaimState.SUBMITTED),
        (ClaimState.SUBMITTED, ClaimStep.ASK_INFO, ClaimState.NEEDS_INFO),
        (ClaimState.SUBMITTED, ClaimStep.CHECK, ClaimState.SUBMITTED),
        (ClaimState.NEEDS_INFO, ClaimStep.SUBMIT, ClaimState.SUBMITTED),
        (ClaimState.SUBMITTED, ClaimStep.APPROVE, ClaimState.APPROVED),
        (ClaimState.SUBMITTED, ClaimStep.REJECT, ClaimState.REJECTED),
        (ClaimState.APPROVED, ClaimStep.PAY, ClaimState.PAID),
    ],
)
def test_the_allowed_transitions(state, step, after):
    assert next_state(1, state, step) is after


def test_every_other_transition_is_refused_with_what_the_claim_is():
    allowed = {
        (ClaimState.DRAFT, ClaimStep.SUBMIT),
        (ClaimState.NEEDS_INFO, ClaimStep.SUBMIT),
        (ClaimState.SUBMITTED, ClaimStep.ASK_INFO),
        (ClaimState.SUBMITTED, ClaimStep.CHECK),
        (ClaimState.SUBMITTED, ClaimStep.APPROVE),
        (ClaimState.SUBMITTED, ClaimStep.REJECT),
        (ClaimState.APPROVED, ClaimStep.PAY),
    }
    for state in ClaimState:
        for step in ClaimStep:
            if (state, step) in allowed:
                continue
            with pytest.raises(IllegalTransition) as refused:
                next_state(7, state, step)
            assert refused.value.text.params["number"] == 7
