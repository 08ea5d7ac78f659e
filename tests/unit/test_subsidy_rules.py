"""Subsidy rules in the county policy file: every error listed, exact money, and the CLI
stores nothing when any rule is wrong."""

from __future__ import annotations

import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from bot.domain.periods import Period
from bot.services.policy import DEFAULT_FILE, PolicyError, default_policy, from_json, parse_policy
from bot.services.policy import to_json as policy_json

ROOT = Path(__file__).resolve().parents[2]

GOOD = """
[[subsidies]]
kind = "per_parcel"
code = "p"
name = "物流补贴"
valid_from = 2026-01-01
yearly_budget_yuan = 1000.50
yuan_per_parcel = 2.05
products = ["脆李"]
min_weight_kg = 0.5
monthly_cap_yuan = 300
"""

BAD = """
[[subsidies]]
kind = "per_parcel"
code = "P!"
name = "x"
valid_from = 2026-05-01
valid_until = 2026-01-01
yearly_budget_yuan = -1
yuan_per_parcel = 2.001
products = []
monthly_cap_yuan = 300

[[subsidies]]
kind = "upstream_reward"
code = "r"
name = "奖励"
valid_from = 2026-01-01
yearly_budget_yuan = 100
top_n = 3
above_yuan = 10
amount_yuan = 100

[[subsidies]]
kind = "other"
code = "o"
name = "其他"
valid_from = 2026-01-01
yearly_budget_yuan = 100
min_evidence = 0
"""


def test_the_sample_policy_has_one_rule_of_each_kind_in_fen():
    rules = {rule.kind: rule for rule in default_policy().subsidies}
    assert set(rules) == {"per_parcel", "upstream_reward", "other"}
    terms = rules["per_parcel"].terms()
    assert terms.fen_per_parcel == 200 and terms.monthly_cap_fen == 30_000
    assert terms.min_weight_g == 1000 and "脆李" in terms.products
    reward = rules["upstream_reward"].terms()
    assert reward.top_n == 3 and [t.amount_fen for t in reward.tiers] == [100_000, 50_000]
    assert rules["other"].ceiling_fen == 50_000


def test_money_stays_exact_through_storage():
    policy = parse_policy(GOOD)
    rule = policy.subsidies[0]
    assert rule.terms().fen_per_parcel == 205 and rule.budget_fen == 100_050
    assert from_json(policy_json(policy)).subsidies[0].terms() == rule.terms()


def test_every_error_is_listed():
    with pytest.raises(PolicyError) as caught:
        parse_policy(BAD)
    text = "\n".join(caught.value.errors)
    for expected in (
        "subsidies.0.per_parcel.code",
        "subsidies.0.per_parcel.yearly_budget_yuan",
        "subsidies.0.per_parcel.yuan_per_parcel",
        "subsidies.0.per_parcel.products",
        "exactly one of top_n or above_yuan",
        "subsidies.2.other.ceiling_yuan",
        "subsidies.2.other.min_evidence",
    ):
        assert expected in text, (expected, text)


def test_dates_and_codes_are_checked():
    with pytest.raises(PolicyError) as caught:
        parse_policy(
            GOOD.replace(
                "valid_from = 2026-01-01", "valid_from = 2026-01-01\nvalid_until = 2025-01-01"
            )
        )
    assert "valid_until is before valid_from" in "\n".join(caught.value.errors)
    with pytest.raises(PolicyError) as twice:
        parse_policy(GOOD + GOOD)
    assert "two subsidy rules have the code 'p'" in "\n".join(twice.value.errors)


def test_a_rule_is_in_force_for_the_months_its_dates_cover():
    rule = parse_policy(
        GOOD.replace("valid_from = 2026-01-01", "valid_from = 2026-03-01\nvalid_until = 2026-06-30")
    ).subsidies[0]
    assert rule.valid_from == date(2026, 3, 1)
    assert not rule.in_force(Period.parse("2026-02"))
    assert rule.in_force(Period.parse("2026-03")) and rule.in_force(Period.parse("2026-06"))
    assert not rule.in_force(Period.parse("2026-07"))


def test_tiers_must_fit_the_way_the_reward_is_given():
    text = """
[[subsidies]]
kind = "upstream_reward"
code = "r"
name = "奖励"
valid_from = 2026-01-01
yearly_budget_yuan = 100
above_yuan = 5000
tiers = [{ up_to_rank = 1, amount_yuan = 100 }]
"""
    with pytest.raises(PolicyError) as caught:
        parse_policy(text)
    assert "tiers need min_upstream_yuan" in "\n".join(caught.value.errors)


def test_policy_check_lists_every_error_and_load_stores_nothing(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text(BAD, encoding="utf-8")
    env = {"PYTHONPATH": str(ROOT), "CUNZHAN_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/x.db"}
    checked = subprocess.run(
        [sys.executable, "-m", "bot", "policy", "check", str(bad)],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
    )
    assert checked.returncode == 1 and "nothing stored" in checked.stdout
    assert checked.stdout.count("subsidies.") >= 6, checked.stdout
    good = subprocess.run(
        [sys.executable, "-m", "bot", "policy", "check", str(DEFAULT_FILE)],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
    )
    assert good.returncode == 0 and "valid" in good.stdout
