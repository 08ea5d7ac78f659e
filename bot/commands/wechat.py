"""`python -m bot wechat menu|invite|station-qr`: the Official Account's custom menu,
invites as WeChat parametric QR codes (scanning one follows the account and binds the
scanner, the same invite tokens and use case as the Telegram deep links), and a station's
notice-board code as a WeChat QR code (the same public code as the poster's deep link: a
villager who scans it sees the public card, the station's keeper checks in)."""

from __future__ import annotations

import argparse
import json
from urllib.parse import quote

from bot.bootstrap import build_app
from bot.commands.invite import ROLES
from bot.commands.keys import cli_key
from bot.config import Settings
from bot.domain.commands import CreateInvite, StationQrCode
from bot.domain.errors import CunzhanError
from bot.domain.text import N_
from bot.i18n import Translator
from bot.services.invites import CLI_ACTOR

SHOW_QR = "https://mp.weixin.qq.com/cgi-bin/showqrcode?ticket="

# Each button sends its key as a CLICK event; the chat reads a key as the word typed.
MENU = [
    (N_("Record"), [
        (N_("Parcel in"), "intake"), (N_("Shipment"), "ship"), (N_("Sale"), "sale"),
        (N_("Proxy purchase"), "proxy"), (N_("Bill payments"), "service"),
    ]),
    (N_("Shelf"), "shelf"),
    (N_("My month"), [(N_("This month"), "month"), (N_("Latest entries"), "recent"),
                   (N_("Check in"), "checkin"), (N_("My claims"), "claims"),
                   (N_("Help"), "help")]),
]  # fmt: skip


def menu_payload(t: Translator) -> dict:
    """The menu in WeChat's shape: at most 3 buttons of at most 5 sub-buttons."""
    buttons = []
    for label, target in MENU:
        if isinstance(target, str):
            buttons.append({"type": "click", "name": t(label), "key": target})
        else:
            subs = [{"type": "click", "name": t(n), "key": k} for n, k in target]
            buttons.append({"name": t(label), "sub_button": subs})
    return {"button": buttons}


def add_wechat_parser(sub) -> None:
    wechat = sub.add_parser("wechat", help="the WeChat Official Account")
    actions = wechat.add_subparsers(dest="wechat_command", required=True, metavar="ACTION")
    menu = actions.add_parser("menu", help="publish the custom menu")
    menu.add_argument("--dry-run", action="store_true", help="print it, publish nothing")
    invite = actions.add_parser("invite", help="an invite as a WeChat QR code (scan to bind)")
    invite.add_argument("role", choices=sorted(ROLES))
    invite.add_argument("code", nargs="?")
    station = actions.add_parser(
        "station-qr", help="a station's notice-board code as a WeChat QR code (permanent)"
    )
    station.add_argument("code", help="the station code, e.g. DEMO-S001")


async def wechat(settings: Settings, args: argparse.Namespace) -> int:
    t = Translator(settings.default_language)
    if args.wechat_command == "menu" and args.dry_run:
        print(json.dumps(menu_payload(t), ensure_ascii=False, indent=2))
        return 0
    if not (settings.wechat_appid and settings.wechat_secret):
        print("Set CUNZHAN_WECHAT_APPID and CUNZHAN_WECHAT_SECRET (see .env.example).")
        return 2
    from handlers.wechat.runner import api_for

    app = await build_app(settings)
    api = api_for(app)
    assert api is not None
    try:
        if args.wechat_command == "menu":
            await api.create_menu(menu_payload(t))
            print("menu published")
            return 0
        if args.wechat_command == "station-qr":
            return await _station_qr(app, api, args.code, t)
        try:
            created = await app.services.run(
                CreateInvite(ROLES[args.role], args.code, request_key=cli_key("invite")),
                CLI_ACTOR,
            )
        except CunzhanError as error:
            print(t(error.text))
            return 1
        assert created.token is not None
        seconds = int(app.invite_ttl.total_seconds())
        ticket = await api.create_qr(created.token, expire_seconds=min(seconds, 30 * 86400))
        print(f"role: {created.role.value}  scope: {created.scope_label or '-'}")
        print(f"expires: {created.expires_at.isoformat()} (UTC)")
        print(f"WeChat QR code: {SHOW_QR}{quote(ticket)}")
        return 0
    finally:
        await api.close()
        await app.close()


async def _station_qr(app, api, code: str, t: Translator) -> int:
    """The station's live public code (issued now if it has none) as a permanent QR scene:
    revoking the code (/revoke_qr) makes this one answer "no longer valid", as the poster."""
    try:
        qr = await app.services.run(StationQrCode(code, request_key=cli_key("qr")), CLI_ACTOR)
    except CunzhanError as error:
        print(t(error.text))
        return 1
    ticket = await api.create_qr(qr.code)  # QR_LIMIT_STR_SCENE: a poster does not expire
    print(f"station: {qr.card.name} ({qr.card.code})  generation: {qr.generation}")
    print(f"WeChat QR code: {SHOW_QR}{quote(ticket)}")
    return 0
