"""`python -m bot jobs …` and `python -m bot policy …`: the scheduled work, by hand."""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

from bot.bootstrap import build_app
from bot.config import Settings
from bot.domain.errors import CunzhanError
from bot.domain.periods import Period
from bot.i18n import Translator
from bot.services.notice_texts import yuan
from bot.services.policy import PolicyError, parse_policy, to_json

JOBS = ("scoring", "nudge", "idle", "stranded", "due")


def add_parsers(sub) -> None:
    jobs = sub.add_parser("jobs", help="run scheduled jobs now (scoring, reminders)")
    jobs_sub = jobs.add_subparsers(dest="jobs_command", required=True, metavar="ACTION")
    run = jobs_sub.add_parser("run", help="run one job for a county (exactly once)")
    run.add_argument("job", choices=JOBS)
    run.add_argument("--county", help="county code (all counties for `due`)")
    run.add_argument("--month", help="YYYY-MM (scoring; default: last month)")
    run.add_argument(
        "--dry-run", action="store_true", help="show what the job would do; claim and write nothing"
    )
    rescore = jobs_sub.add_parser("rescore", help="score a closed month again (recorded)")
    rescore.add_argument("--county", required=True)
    rescore.add_argument("--month", required=True)
    rescore.add_argument("--reason", required=True)

    policy = sub.add_parser("policy", help="county assessment policy (TOML)")
    policy_sub = policy.add_subparsers(dest="policy_command", required=True, metavar="ACTION")
    check = policy_sub.add_parser("check", help="validate a policy file, listing every error")
    check.add_argument("file")
    load = policy_sub.add_parser("load", help="validate and store a county's policy")
    load.add_argument("file")
    load.add_argument("--county", required=True)
    show = policy_sub.add_parser("show", help="print a county's policy (default if none)")
    show.add_argument("--county", required=True)


def print_verdicts(report) -> None:
    print(
        f"{report.county.code} {report.period} run {report.run_no}"
        + (" (dry run: nothing written)" if report.dry_run else "")
    )
    print(f"{'station':<14}{'verdict':<8}{'step':<11}{'down':>10}{'up':>10}{'parcels':>8}")
    for v in report.verdicts:
        print(
            f"{v.code:<14}{v.verdict:<8}{v.ladder_step:<11}{yuan(v.downstream_fen):>10}"
            f"{yuan(v.upstream_fen):>10}{v.upstream_parcels:>8}"
        )


def pause_for_tests(scoring) -> None:
    """The kill tests' hook (tests/e2e/test_job_kills.py): with CUNZHAN_TEST_PAUSE_AT=<phase>
    and CUNZHAN_TEST_PAUSE_FILE=<path>, a scoring run writes the phase's name to the file
    when that phase ends (`claim`, `aggregate`, `write scores` — the last inside the
    results' open transaction) and stops there until the file is deleted, so a test can
    SIGKILL it at a known point or hold two processes at once. Unset in production."""
    phase, path = os.environ.get("CUNZHAN_TEST_PAUSE_AT"), os.environ.get("CUNZHAN_TEST_PAUSE_FILE")
    if not (phase and path):
        return

    def on_phase(name: str) -> None:
        if name != phase:
            return
        Path(path).write_text(name)
        while Path(path).exists():  # blocks the loop on purpose: nothing else may move
            time.sleep(0.02)

    scoring.on_phase = on_phase


async def jobs(settings: Settings, args: argparse.Namespace) -> int:
    t = Translator(settings.default_language)
    app = await build_app(settings)
    try:
        scoring = app.services.scoring
        pause_for_tests(scoring)
        if args.jobs_command == "rescore":
            report = await scoring.score(
                args.county, Period.parse(args.month), trigger="cli", rescore_reason=args.reason
            )
            if not report.claimed:
                print(
                    f"{args.county} {args.month} was already re-scored with this reason "
                    f"(run {report.run_no}); nothing ran. Give another reason to run again."
                )
                return 0
            print_verdicts(report)
            return 0
        if args.job == "due":
            report = await app.services.due(trigger="cli", dry_run=args.dry_run)
            if report.dry_run:
                print("dry run: nothing claimed or written")
                print("\n".join(f"would run {what}" for what in report.ran) or "nothing due")
            else:
                print("\n".join(report.ran) or "nothing due")
            return 0
        if not args.county:
            print("--county is required for this job")
            return 2
        if args.job == "scoring":
            if args.month:
                month = Period.parse(args.month)
            else:
                async with app.uow() as uow:
                    county = await scoring.county(uow, args.county)
                month = Period.of(app.clock.now(), county.timezone).previous()
            report = await scoring.score(args.county, month, trigger="cli", dry_run=args.dry_run)
            if not report.dry_run and not report.claimed:
                print(
                    f"{args.county} {month} was already scored, or another process is "
                    f"scoring it (run {report.run_no}); use `jobs rescore` to score it again"
                )
                return 0
            print_verdicts(report)
            return 0
        reminders = app.services.reminders
        result = await getattr(reminders, args.job)(
            args.county, trigger="cli", dry_run=args.dry_run
        )
        head = f"{result.job} {result.county.code} {result.key}"
        counts = f"{result.alerts} alerts, {result.stations} stations"
        if not result.claimed:
            print(f"{head}: already done")
        elif result.dry_run:
            print(f"{head}: dry run, nothing written; would send {counts}")
        else:
            print(f"{head}: done, {counts}")
        return 0
    except (CunzhanError, ValueError) as error:
        print(t(error.text) if isinstance(error, CunzhanError) else str(error))
        return 1
    finally:
        await app.close()


async def policy(settings: Settings, args: argparse.Namespace) -> int:
    if args.policy_command == "check":
        return _check(Path(args.file))[0]
    app = await build_app(settings)
    try:
        scoring = app.services.scoring
        if args.policy_command == "load":
            code, parsed = _check(Path(args.file))
            if parsed is None:
                return code
            async with app.uow(write=True) as uow:
                county = await scoring.county(uow, args.county)
                version = await uow.policies.put(
                    county.id, to_json(parsed), f"cli:{args.file}", app.clock.now()
                )
                await uow.audit.record(
                    at=app.clock.now(),
                    actor_person_id=None,
                    action="policy.load",
                    subject=f"county:{county.code}",
                    details={"version": version, "file": args.file},
                )
                await uow.commit()
            print(f"policy version {version} stored for {county.code}")
            return 0
        async with app.uow() as uow:
            county = await scoring.county(uow, args.county)
            version, current = await scoring.policy(uow, county.id)
        print(f"# {county.code} policy version {version or 'default'}")
        print(json.dumps(json.loads(to_json(current)), indent=2, ensure_ascii=False))
        return 0
    except CunzhanError as error:
        print(Translator(settings.default_language)(error.text))
        return 1
    finally:
        await app.close()


def _check(path: Path):
    try:
        parsed = parse_policy(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        print(f"no such file: {path}")
        return 1, None
    except PolicyError as error:
        print(f"{path}: {len(error.errors)} error(s); nothing stored")
        for line in error.errors:
            print(f"  {line}")
        return 1, None
    print(f"{path}: valid")
    return 0, parsed
