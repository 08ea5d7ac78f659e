"""`python -m bot claims …`: subsidy claims for county staff and the finance bureau.

claims list --county C [--state S] [--month YYYY-MM]
claims statement --county C --month YYYY-MM FILE.xlsx
"""

from __future__ import annotations

import argparse
from pathlib import Path

from bot.bootstrap import build_app
from bot.config import Settings
from bot.domain.commands import ClaimForecast, ClaimStatement, ListClaims, SubsidyAccount
from bot.domain.errors import CunzhanError
from bot.domain.money import format_fen
from bot.i18n import Translator
from bot.presenters.claims import state_label
from bot.services.invites import CLI_ACTOR


def add_claims_parser(sub) -> None:
    claims = sub.add_parser("claims", help="subsidy claims: list, XLSX statement")
    claims_sub = claims.add_subparsers(dest="claims_command", required=True, metavar="ACTION")
    listing = claims_sub.add_parser("list", help="a county's claims, one line each")
    listing.add_argument("--county", required=True)
    listing.add_argument("--state", help="draft, submitted, needs_info, approved, rejected, paid")
    listing.add_argument("--month", help="YYYY-MM")
    forecast = claims_sub.add_parser(
        "forecast", help="what a per-parcel rule comes to for every station of a month"
    )
    forecast.add_argument("--county", required=True)
    forecast.add_argument("--rule", required=True)
    forecast.add_argument("--month", required=True)
    statement = claims_sub.add_parser(
        "statement", help="the county's month for the finance bureau, as .xlsx"
    )
    statement.add_argument("--county", required=True)
    statement.add_argument("--month", required=True)
    statement.add_argument("file")


async def claims(settings: Settings, args: argparse.Namespace) -> int:
    t = Translator(settings.default_language)
    app = await build_app(settings)
    try:
        if args.claims_command == "list":
            found = await app.services.run(
                ListClaims(args.county, args.state, args.month, limit=100_000), CLI_ACTOR
            )
            for card in found.cards:
                c = card.claim
                print(
                    f"#{c.id}\t{c.station_code}\t{c.rule_code}\t{c.period}\t"
                    f"{format_fen(c.amount_fen)}\t{state_label(c.state, t)}\t{','.join(card.flags)}"
                )
            print(f"{found.total} claim(s)")
            # The county's subsidy accounts, one per fund (approved: payable; paid: settled).
            for fund in await app.services.run(SubsidyAccount(args.county), CLI_ACTOR):
                print(
                    f"account {fund.fund}: payable {format_fen(fund.open_fen)} yuan "
                    f"({fund.open_lines} line(s)), settled {format_fen(fund.settled_fen)} yuan "
                    f"({fund.settled_lines} line(s))"
                )
            return 0
        if args.claims_command == "forecast":
            result = await app.services.run(
                ClaimForecast(args.county, args.rule, args.month), CLI_ACTOR
            )
            for row in result.stations:
                print(
                    f"station {row.station_id}\t{row.counted}\t{format_fen(row.amount_fen)}"
                    f"\ttrimmed {format_fen(row.trimmed_fen)}\texcluded {row.excluded}"
                )
            print(
                f"{result.rule_name} {result.period}: {len(result.stations)} station(s), "
                f"{format_fen(result.amount_fen)} of a yearly budget of "
                f"{format_fen(result.budget_fen)} yuan"
            )
            return 0
        from adapters.statement_xlsx import write_statement

        async with app.uow() as uow:  # the parcel lines stream from this transaction
            statement = await app.services.run(
                ClaimStatement(args.county, args.month), CLI_ACTOR, uow
            )
            lines = await write_statement(statement, Path(args.file), t)
        print(
            f"{args.file}: {len(statement.claims)} claim(s), {lines} parcel line(s), "
            f"approved {format_fen(statement.approved_fen)} yuan"
        )
        return 0
    except CunzhanError as error:
        print(t(error.text))
        return 1
    finally:
        await app.close()
