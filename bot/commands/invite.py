"""`python -m bot invite ROLE [CODE]`: the way in for the first administrator, and for
staff who prefer the terminal. Prints the deep link and writes the QR code PNG."""

from __future__ import annotations

import argparse
from pathlib import Path

from adapters.qr import qr_png
from bot.bootstrap import build_app
from bot.commands.keys import cli_key
from bot.config import Settings
from bot.domain.commands import CreateInvite
from bot.domain.errors import CunzhanError
from bot.domain.roles import Role
from bot.i18n import Translator
from bot.services.invites import CLI_ACTOR

ROLES = {
    "admin": Role.ADMIN,
    "staff": Role.COUNTY_STAFF,
    "operator": Role.TOWNSHIP_OPERATOR,
    "keeper": Role.KEEPER,
}


async def bot_username(settings: Settings) -> str | None:
    if settings.bot_token is None:
        return None
    from handlers.telegram.runner import make_bot

    bot = make_bot(settings.bot_token.get_secret_value(), settings.telegram_api_base)
    try:
        return (await bot.me()).username
    finally:
        await bot.session.close()


def deep_link(username: str, token: str) -> str:
    return f"https://t.me/{username}?start={token}"


async def invite(settings: Settings, args: argparse.Namespace) -> int:
    t = Translator(settings.default_language)
    app = await build_app(settings)
    try:
        created = await app.services.run(
            CreateInvite(ROLES[args.role], args.code, request_key=cli_key("invite")), CLI_ACTOR
        )
    except CunzhanError as error:
        print(t(error.text))
        return 1
    finally:
        await app.close()
    assert created.token is not None
    username = args.bot_username or await bot_username(settings)
    target = deep_link(username, created.token) if username else None
    print(f"role: {created.role.value}  scope: {created.scope_label or '-'}")
    print(f"expires: {created.expires_at.isoformat()} (UTC)")
    if target:
        print(f"link: {target}")
    else:
        print(f"token: {created.token}")
        print("(no bot token configured: in the chat send  /start " + created.token + " )")
    png = Path(args.png) if args.png else None
    if png is not None:
        png.parent.mkdir(parents=True, exist_ok=True)
        png.write_bytes(qr_png(target or created.token))
        print(f"QR code: {png}")
    return 0
