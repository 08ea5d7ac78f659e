"""The monthly upstream reward (上行奖励, `001_…`): no filing. Once a county's month is
scored, one job run per (county, month) creates a submitted claim for every station the
rule rewards; staff review them like any claim. Claims are keyed by (rule, station, month),
so a re-run creates nothing twice."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.domain.claims import ClaimState, reward_amounts
from bot.domain.network import StationStatus
from bot.domain.periods import Period
from bot.services.policy import load_policy
from bot.services.ports import CountyRef, UnitOfWork
from bot.services.subsidy_rules import UpstreamRewardRule

REWARD_JOB = "claim_rewards"
LEASE = timedelta(minutes=30)


@dataclass(frozen=True)
class RewardRun:
    claimed: bool
    created: int = 0


async def create_reward_claims(
    uow: UnitOfWork, county: CountyRef, period: Period, now: datetime, claimer: str, trigger: str
) -> RewardRun:
    """In the caller's write transaction: claim the run, create the claims, finish."""
    run_id = await uow.job_runs.claim(
        job=REWARD_JOB,
        county_id=county.id,
        period=str(period),
        run_no=1,
        trigger=trigger,
        claimer=claimer,
        now=now,
        stale_before=now - LEASE,
    )
    if run_id is None:
        return RewardRun(False)
    version, policy = await load_policy(uow, county.id)
    rules = [
        r for r in policy.subsidies if isinstance(r, UpstreamRewardRule) and r.in_force(period)
    ]
    created = 0
    if rules:
        stations = {s.id: s for s in await uow.scores.stations(county.id)}
        totals = await uow.scores.window_totals(
            county.id, [str(period)], [], policy.metrics.upstream_yuan_kinds, []
        )
        upstream = {
            station: figures[1]
            for station, figures in totals.items()
            if station in stations and stations[station].status != StationStatus.REMOVED.value
        }
        for rule in rules:
            for station_id, amount in sorted(reward_amounts(upstream, rule.terms()).items()):
                key = f"reward:{county.id}:{rule.code}:{station_id}:{period}"
                claim_id = await uow.claims.add(
                    {
                        "county_id": county.id,
                        "station_id": station_id,
                        "rule_code": rule.code,
                        "rule_kind": rule.kind,
                        "fund": rule.fund_name,
                        "period": str(period),
                        "state": ClaimState.SUBMITTED.value,
                        "amount_fen": amount,
                        "working": {
                            "kind": "upstream_reward",
                            "upstream_fen": upstream[station_id],
                            "amount_fen": amount,
                            "top_n": rule.top_n,
                            "above_fen": rule.terms().above_fen,
                        },
                        "flags": [],
                        "policy_version": version,
                        "created_at": now,
                        "updated_at": now,
                        "request_key": key,
                    }
                )
                if claim_id is None:
                    continue
                created += 1
                await uow.claims.add_event(
                    {
                        "claim_id": claim_id,
                        "step": "file",
                        "state_before": None,
                        "state_after": ClaimState.SUBMITTED.value,
                        "reason": None,
                        "by_person": None,
                        "at": now,
                        "request_key": f"{key}#file",
                    }
                )
    await uow.job_runs.finish(run_id, now, {"claims": created})
    return RewardRun(True, created)
