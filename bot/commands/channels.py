"""`python -m bot channels add|list|test|remove`: a county's office-IM group robots (#12).

A county's staff notices (the monthly digest with its removal candidates, idle stations,
stranded parcels) go to each of its robots, in the robot's language, as well as to the
staff members' own chats, or *instead* of them (`--instead`).

Secrets never go on the command line (shell history, `ps`): the webhook address (or just
its key / access token) is read from `CUNZHAN_ROBOT_WEBHOOK` and DingTalk's signing secret
from `CUNZHAN_ROBOT_SECRET`, or asked for without echo. They are stored in the database
and never printed or logged in full (`list` shows their last four characters).
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from urllib.parse import parse_qs, urlsplit

from bot.config import Settings
from bot.domain.clock import SystemClock
from storage.engine import create_engine, write_transaction
from storage.migrate import upgrade
from storage.repositories.audit import SqlAuditRepo
from storage.repositories.network import SqlNetworkRepo
from storage.repositories.robots import KINDS, RobotExists, SqlRobotRepo, masked

WEBHOOK_ENV = "CUNZHAN_ROBOT_WEBHOOK"
SECRET_ENV = "CUNZHAN_ROBOT_SECRET"
URL_PARAM = {"wecom": "key", "dingtalk": "access_token"}
SECRET_NAME = {"wecom": "key", "dingtalk": "access token"}


def add_channels_parser(sub) -> None:
    channels = sub.add_parser(
        "channels", help="a county's WeCom / DingTalk group robots for staff notices"
    )
    actions = channels.add_subparsers(dest="channels_command", required=True, metavar="ACTION")
    add = actions.add_parser(
        "add",
        help="add a group robot to a county",
        description=(
            f"The webhook address (or its key / access token) is read from ${WEBHOOK_ENV}, "
            f"DingTalk's signing secret (SEC…) from ${SECRET_ENV}; when unset they are asked "
            "for without echo. They are never printed in full."
        ),
    )
    add.add_argument("kind", choices=KINDS)
    add.add_argument("--county", required=True, help="county code")
    add.add_argument("--name", required=True, help="what to call it, e.g. 县电商办工作群")
    add.add_argument("--language", choices=["zh", "en"], default="zh")
    add.add_argument(
        "--instead",
        action="store_true",
        help="staff notices go to this robot instead of staff members' own chats",
    )
    add.add_argument(
        "--no-sign",
        action="store_true",
        help="DingTalk: the robot is secured by keywords or an IP list, not a signing secret",
    )
    listing = actions.add_parser("list", help="list the robots (secrets masked)")
    listing.add_argument("--county", help="only this county")
    listing.add_argument("--removed", action="store_true", help="include removed robots")
    remove = actions.add_parser("remove", help="stop sending to a robot (by its #id)")
    remove.add_argument("id", type=int)
    test = actions.add_parser(
        "test", help="send a robot a test message now, to check its address and secret"
    )
    test.add_argument("id", type=int)


def _ask(env: str, prompt: str) -> str:
    value = os.environ.get(env, "")
    if not value.strip():
        value = getpass.getpass(prompt) if sys.stdin.isatty() else sys.stdin.readline()
    return value.strip()


def parse_webhook(kind: str, value: str) -> str:
    """The key (WeCom) or access token (DingTalk), from the whole webhook address as the
    group settings show it, or from the bare value."""
    if "://" in value:
        found = parse_qs(urlsplit(value).query).get(URL_PARAM[kind])
        if not found:
            raise ValueError(f"the address has no {URL_PARAM[kind]}=… parameter")
        value = found[0]
    if not value or len(value) > 200 or any(c.isspace() for c in value):
        raise ValueError(f"that is not a {SECRET_NAME[kind]}")
    return value


async def channels(settings: Settings, args: argparse.Namespace) -> int:
    engine = create_engine(settings.database_url)
    try:
        await upgrade(engine)
        if args.channels_command == "add":
            return await _add(engine, args)
        if args.channels_command == "list":
            return await _list(engine, args)
        if args.channels_command == "test":
            return await _test(engine, settings, args)
        return await _remove(engine, args)
    finally:
        await engine.dispose()


async def _add(engine, args: argparse.Namespace) -> int:
    try:
        secret = parse_webhook(
            args.kind,
            _ask(WEBHOOK_ENV, f"{args.kind} webhook address or {SECRET_NAME[args.kind]}: "),
        )
        sign_secret = None
        if args.kind == "dingtalk" and not args.no_sign:
            sign_secret = _ask(SECRET_ENV, "DingTalk signing secret (SEC…): ")
            if not sign_secret.startswith("SEC") or any(c.isspace() for c in sign_secret):
                raise ValueError("a DingTalk signing secret starts with SEC (or use --no-sign)")
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    now = SystemClock().now()
    async with write_transaction(engine) as conn:
        county = await SqlNetworkRepo(conn).county_by_code(args.county)
        if county is None:
            print(f"error: no county {args.county!r}", file=sys.stderr)
            return 1
        try:
            robot_id = await SqlRobotRepo(conn).add(
                county.id,
                args.kind,
                args.name,
                secret,
                sign_secret,
                args.language,
                args.instead,
                now,
            )
        except RobotExists as error:
            print(f"error: {error}", file=sys.stderr)
            return 1
        await SqlAuditRepo(conn).record(
            at=now,
            actor_person_id=None,
            action="channels.add",
            subject=f"county:{county.code}",
            details={"robot": robot_id, "kind": args.kind, "instead": args.instead},
        )
    print(
        f"added {args.kind} robot #{robot_id} “{args.name}” for {county.code} "
        f"({SECRET_NAME[args.kind]} {masked(secret)}"
        + (", signed" if sign_secret else "")
        + ("; instead of staff chats" if args.instead else "; as well as staff chats")
        + ")"
    )
    return 0


async def _list(engine, args: argparse.Namespace) -> int:
    async with engine.connect() as conn:
        county_id = None
        if args.county:
            county = await SqlNetworkRepo(conn).county_by_code(args.county)
            if county is None:
                print(f"error: no county {args.county!r}", file=sys.stderr)
                return 1
            county_id = county.id
        robots = await SqlRobotRepo(conn).robots(county_id, removed=args.removed)
    for r in robots:
        print(
            f"#{r.id} {r.county_code} {r.kind} “{r.name}” {r.language} "
            f"{SECRET_NAME[r.kind]} {masked(r.secret)}"
            + (" signed" if r.sign_secret else "")
            + (" instead-of-staff-chats" if r.replaces_staff_chats else " also-staff-chats")
            + (f" removed {r.removed_at:%Y-%m-%d %H:%M}Z" if r.removed_at else "")
        )
    if not robots:
        print("no robots")
    return 0


async def _remove(engine, args: argparse.Namespace) -> int:
    now = SystemClock().now()
    async with write_transaction(engine) as conn:
        robots = SqlRobotRepo(conn)
        robot = await robots.robot(args.id)
        if robot is None or not await robots.remove(args.id, now):
            print(f"error: no robot #{args.id} in use", file=sys.stderr)
            return 1
        await SqlAuditRepo(conn).record(
            at=now,
            actor_person_id=None,
            action="channels.remove",
            subject=f"county:{robot.county_code}",
            details={"robot": robot.id, "kind": robot.kind},
        )
    print(f"removed {robot.kind} robot #{robot.id} “{robot.name}”; its waiting notices are dropped")
    return 0


async def _test(engine, settings: Settings, args: argparse.Namespace) -> int:
    """One message through the same client the worker uses; its answer, in words."""
    import aiohttp

    from bot.i18n import Translator
    from handlers.office_im.clients import DingTalkClient, WeComClient
    from jobs.outbox_worker import DeliveryError

    async with engine.connect() as conn:
        robot = await SqlRobotRepo(conn).robot(args.id)
    if robot is None or robot.removed_at is not None:
        print(f"error: no robot #{args.id} in use", file=sys.stderr)
        return 1
    t = Translator(robot.language)
    text = t(
        "Cunzhan test message: this group will receive the staff notices of {county}.",
        county=robot.county_code,
    )
    payload = {"msgtype": "text", "text": {"content": text}}
    async with aiohttp.ClientSession() as session:
        try:
            if robot.kind == "wecom":
                await WeComClient(session, settings.wecom_api_base).send(robot.secret, payload)
            else:
                client = DingTalkClient(session, settings.dingtalk_api_base)
                await client.send(robot.secret, robot.sign_secret, payload)
        except DeliveryError as error:  # its text never holds the secret
            print(f"error: robot #{robot.id} refused the test message: {error}", file=sys.stderr)
            return 1
    print(f"ok: robot #{robot.id} “{robot.name}” accepted a test message")
    return 0
