"""`python -m bot …` (also the `cunzhan` console script): every operator entry point."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Sequence

from bot.config import Settings


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bot",
        description="Cunzhan 村站 — operations system for rural e-commerce service stations.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    sub.add_parser(
        "run",
        help="run the Telegram bot (polling, or webhook when configured) and the WeChat "
        "webhook when its settings are present",
    )

    demo = sub.add_parser(
        "demo", help="try the bot in this terminal against a local Bot API double (no token)"
    )
    demo.add_argument("--database-url", help="default: a fresh SQLite file under ./data/")
    demo.add_argument("--script", help="read chat lines from this file instead of the keyboard")

    db = sub.add_parser("db", help="database schema")
    db_sub = db.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    db_sub.add_parser("upgrade", help="apply all migrations (also done at every start)")
    db_sub.add_parser("current", help="print the schema revision")

    invite = sub.add_parser("invite", help="create an onboarding invite (QR code + link)")
    invite.add_argument("role", choices=["admin", "staff", "operator", "keeper"])
    invite.add_argument("code", nargs="?", help="county / township / station code")
    invite.add_argument("--bot-username", help="bot username for the link (default: ask Telegram)")
    invite.add_argument("--png", help="write the QR code to this PNG file")

    from bot.commands.jobs import add_parsers as add_job_parsers
    from bot.commands.network import add_network_parser
    from bot.commands.updates import add_updates_parser

    add_network_parser(sub)
    add_updates_parser(sub)
    add_job_parsers(sub)
    # office IM (#12)
    from bot.commands.channels import add_channels_parser

    add_channels_parser(sub)
    # subsidy claims (issue 10)
    from bot.commands.claims import add_claims_parser

    add_claims_parser(sub)
    # the notice board (issue 11)
    from bot.commands.poster import add_poster_parser

    add_poster_parser(sub)
    # WeChat (issue 12)
    from bot.commands.wechat import add_wechat_parser

    add_wechat_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    settings = Settings()
    logging.basicConfig(
        level=settings.log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    if args.command == "run":
        from bot.commands.run import run

        return asyncio.run(run(settings))
    if args.command == "demo":
        from devtools.demo import run_demo

        return asyncio.run(run_demo(settings, args))
    if args.command == "db":
        from bot.commands.db import db

        return asyncio.run(db(settings, args.db_command))
    if args.command == "invite":
        from bot.commands.invite import invite

        return asyncio.run(invite(settings, args))
    if args.command == "network":
        from bot.commands.network import run_network_import

        return asyncio.run(run_network_import(args, settings))
    if args.command == "updates":
        from bot.commands.updates import updates

        return asyncio.run(updates(settings, args))
    if args.command == "jobs":
        from bot.commands.jobs import jobs

        return asyncio.run(jobs(settings, args))
    if args.command == "policy":
        from bot.commands.jobs import policy

        return asyncio.run(policy(settings, args))
    # office IM (#12)
    if args.command == "channels":
        from bot.commands.channels import channels

        return asyncio.run(channels(settings, args))
    if args.command == "claims":  # subsidy claims (issue 10)
        from bot.commands.claims import claims

        return asyncio.run(claims(settings, args))
    if args.command == "poster":  # the notice board (issue 11)
        from bot.commands.poster import posters

        return asyncio.run(posters(settings, args))
    if args.command == "wechat":  # WeChat (issue 12)
        from bot.commands.wechat import wechat

        return asyncio.run(wechat(settings, args))
    raise AssertionError(args.command)
