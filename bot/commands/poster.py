"""`python -m bot poster --station CODE | --county CODE DIR`: notice-board posters as
printable A4 PDF (a county's stations in one PDF, one page each) and a PNG per station."""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

from bot.bootstrap import build_app
from bot.commands.invite import bot_username, deep_link
from bot.commands.keys import cli_key
from bot.config import Settings
from bot.domain.commands import StationPosters
from bot.domain.errors import CunzhanError
from bot.i18n import Translator
from bot.services.invites import CLI_ACTOR


def add_poster_parser(sub) -> None:
    poster = sub.add_parser(
        "poster", help="notice-board posters with the station's QR code (A4 PDF + PNG)"
    )
    which = poster.add_mutually_exclusive_group(required=True)
    which.add_argument("--station", help="one station's code")
    which.add_argument("--county", help="every station of a county: one PDF, a page each")
    poster.add_argument("dir", help="directory to write the files into")
    poster.add_argument("--bot-username", help="bot username for the link (default: ask Telegram)")


async def posters(settings: Settings, args: argparse.Namespace) -> int:
    # Late import: the adapter loads fpdf2 and Pillow, which no other command needs.
    from adapters.poster import CjkFontMissing, PosterSheet, find_cjk_font, poster_pdf, poster_png
    from bot.presenters.board import poster_words

    t = Translator(settings.default_language)
    try:
        find_cjk_font()  # before writing anything: say what to install
    except CjkFontMissing as missing:
        print(missing)
        return 2
    username = args.bot_username or await bot_username(settings)
    if not username:
        print("Give --bot-username (no bot token configured to ask Telegram for it).")
        return 1
    app = await build_app(settings)
    try:
        command = StationPosters(args.station, args.county, request_key=cli_key("poster"))
        contents = await app.services.run(command, CLI_ACTOR)
    except CunzhanError as error:
        print(t(error.text))
        return 1
    finally:
        await app.close()
    sheets = [
        PosterSheet(**poster_words(c, t), link=deep_link(username, c.payload)) for c in contents
    ]
    pdf_name = (args.station or f"{args.county}-posters").upper() + ".pdf"
    pngs = [f"{c.card.code}.png" for c in contents]

    def write() -> Path:  # drawing is CPU work and the files are disk work: off the loop
        out = Path(args.dir)
        out.mkdir(parents=True, exist_ok=True)
        (out / pdf_name).write_bytes(poster_pdf(sheets))
        for png, sheet in zip(pngs, sheets, strict=True):
            (out / png).write_bytes(poster_png(sheet))
        return out / pdf_name

    pdf = await asyncio.to_thread(write)
    print(f"{len(sheets)} poster(s): {pdf} and one PNG per station")
    return 0
