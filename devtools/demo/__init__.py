"""Demo mode: `python -m bot demo` — the whole bot in this terminal, no Telegram token.

The real bot (the production `serve_polling`, dispatcher, database and scheduler) polls a
local Bot API double; the terminal plays the people in the chat. The demo county comes
from bot/samples/network_sample.csv through the network importer, and the two demo
people register through real invites, exactly as a county would set things up.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from pathlib import Path

from pydantic import SecretStr

from bot.bootstrap import build_app
from bot.config import Settings
from bot.domain.roles import Role
from devtools.demo.seed import DemoNetwork, SeedError, enrol, seed_network
from devtools.demo.terminal import HELP, Persona, Terminal, keyboard_lines, script_lines
from devtools.harness import live_bot
from devtools.telegram_double.server import FakeTelegram, FakeUser

DEFAULT_DB = Path("data") / "demo.db"

log = logging.getLogger(__name__)


def _database(args: argparse.Namespace) -> tuple[str, Path, str]:
    """(URL, folder for QR images, what to tell the user). The default file is deleted
    and made again at every start, so the demo always begins from the same state."""
    if args.database_url:
        url: str = args.database_url
        path = _sqlite_path(url)
        return url, (path.parent if path else Path("data")), url
    DEFAULT_DB.parent.mkdir(parents=True, exist_ok=True)
    for leftover in [
        *(DEFAULT_DB.with_name(DEFAULT_DB.name + s) for s in ("", "-wal", "-shm", "-journal")),
        *DEFAULT_DB.parent.glob("demo-qr-*.png"),
    ]:
        leftover.unlink(missing_ok=True)
    note = f"{DEFAULT_DB} (每次启动重新创建 · fresh at every start)"
    return f"sqlite+aiosqlite:///./{DEFAULT_DB.as_posix()}", DEFAULT_DB.parent, note


def _sqlite_path(url: str) -> Path | None:
    prefix = "sqlite+aiosqlite:///"
    return Path(url[len(prefix) :]) if url.startswith(prefix) else None


def _quiet_logs(settings: Settings) -> None:
    # The terminal is the chat; INFO lines from aiogram and the scheduler would bury it.
    if settings.log_level.upper() != "DEBUG":
        logging.getLogger().setLevel(logging.WARNING)


async def run_demo(settings: Settings, args: argparse.Namespace) -> int:
    _quiet_logs(settings)
    url, qr_dir, where = _database(args)
    changes: dict[str, object] = {"database_url": url}
    if getattr(settings, "phone_hash_key", "") is None:
        # Throwaway data needs no secret kept on disk (bootstrap would write a key file).
        changes["phone_hash_key"] = SecretStr("cunzhan-demo-only")
    settings = settings.model_copy(update=changes)
    script = Path(args.script) if getattr(args, "script", None) else None
    if script is not None and not script.is_file():
        print(f"{script}: no such file")
        return 1

    app = await build_app(settings)
    fake = FakeTelegram()
    try:
        try:
            network = await seed_network(app)
        except SeedError as error:
            print(f"demo data: {error}")
            return 1
        await fake.start()
        async with live_bot(app, fake) as live:
            staff = fake.create_user("王芳", id=1001, language_code="zh")
            keeper = fake.create_user("李强", id=1002, language_code="zh")
            try:
                await enrol(app, live, staff, Role.COUNTY_STAFF, network.county_code)
                await enrol(app, live, keeper, Role.KEEPER, network.first_station)
            except SeedError as error:
                print(f"demo people: {error}")
                return 1
            personas = {
                "staff": Persona("staff", "县商务局 staff", staff),
                "keeper": Persona("keeper", "站长 keeper", keeper),
            }
            _intro(where, network, staff, keeper)
            terminal = Terminal(live, personas, current="keeper", qr_dir=qr_dir)
            if script is not None:
                lines, echo = script_lines(script), True
            else:
                # At a terminal input() shows the prompt; from a pipe, echo like a script.
                interactive = sys.stdin.isatty()
                lines = keyboard_lines(terminal.prompt if interactive else lambda: "")
                echo = not interactive
            try:
                await terminal.run(lines, echo=echo)
            except asyncio.CancelledError:  # Ctrl-C: leave as cleanly as :quit does
                task = asyncio.current_task()
                if task is not None:
                    task.uncancel()
                print()
            print("再见 · bye")
    finally:
        await fake.stop()
        await app.close()
    return 0


def _intro(where: str, network: DemoNetwork, staff: FakeUser, keeper: FakeUser) -> None:
    count = len(network.station_codes)
    print(
        f"""
村站 Cunzhan 演示 · demo — 真实的机器人，本地模拟的 Telegram · the real bot, a local Telegram
  数据库 database: {where}
  {network.county_name} ({network.county_code}): {count} 个服务站 stations, from \
bot/samples/network_sample.csv
  演示用户（已通过真实邀请注册）· demo people, registered through real invites:
    staff   {staff.full_name}  县商务局员工 county staff, {network.county_code}
    keeper  {keeper.full_name}  站长 station keeper, {network.first_station}

{HELP}
"""
    )
