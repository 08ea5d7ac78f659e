"""`cunzhan network import FILE [--dry-run]`: the county station list from CSV or Excel.

bot/cli.py calls `add_network_parser(subparsers)` and, for the `network` command,
`await run_network_import(args, settings)`.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from tqdm import tqdm

from adapters.tabular import SUFFIXES, TabularFile, read_table
from bot.config import Settings
from bot.domain.clock import SystemClock
from bot.domain.errors import CunzhanError
from bot.i18n import Translator
from bot.services.network_import import LEVELS, ImportReport, RowError, import_network
from storage.engine import create_engine, safe_url
from storage.migrate import upgrade
from storage.repositories.network_import import SqlNetworkImportStores
from storage.uow import SqlUnitOfWorkFactory


def add_network_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    network = subparsers.add_parser(
        "network", help="manage the station network (county → township → village → station)"
    )
    commands = network.add_subparsers(dest="network_command", required=True)
    importing = commands.add_parser(
        "import",
        help="create or update the network from a CSV or XLSX file (docs/network-import.md)",
        description=(
            "Import counties, townships, villages and stations, one station per row. "
            "Every row is checked first; if any row is wrong nothing is written. "
            "Importing the same file again changes nothing."
        ),
    )
    importing.add_argument("file", type=Path, help=f"the file ({', '.join(SUFFIXES)})")
    importing.add_argument(
        "--dry-run", action="store_true", help="check the file and show the counts, write nothing"
    )
    return network


async def run_network_import(
    args: argparse.Namespace, settings: Settings, *, out: TextIO | None = None
) -> int:
    """Exit status: 0 imported (or a clean dry run), 1 when anything is wrong."""
    out = out or sys.stdout
    path: Path = args.file
    # Read the file before touching the database: a file that cannot be read opens none.
    # In a thread, as reading a big workbook takes a moment.
    table = await asyncio.to_thread(_read, path, out)
    if table is None:
        return 1

    engine = create_engine(settings.database_url)
    try:
        await upgrade(engine)
        with tqdm(
            total=len(table.rows), unit="row", file=sys.stderr, desc="import", disable=None
        ) as bar:

            def progress(done: int, total: int) -> None:
                bar.total = total
                bar.update(done - bar.n)

            report = await import_network(
                SqlNetworkImportStores(SqlUnitOfWorkFactory(engine)),
                SystemClock(),
                table.rows,
                default_timezone=settings.timezone,
                dry_run=args.dry_run,
                progress=progress,
            )
    finally:
        await engine.dispose()
    return _print_report(report, path, settings, out)


def _read(path: Path, out: TextIO) -> TabularFile | None:
    if not path.is_file():
        print(f"{path}: no such file", file=out)
        return None
    try:
        table = read_table(path)
    except CunzhanError as exc:
        print(f"{path}: {_EN(exc.text)}", file=out)
        return None
    if table.errors:
        _print_errors(table.errors, out)
        return None
    return table


def _print_report(report: ImportReport, path: Path, settings: Settings, out: TextIO) -> int:
    if not report.ok:
        _print_errors(report.errors, out)
        return 1
    print(f"{path}: {report.rows} rows → {safe_url(settings.database_url)}", file=out)
    for level in LEVELS:
        counts = report.counts[level]
        print(
            f"  {level:<10} {counts.created:>6} created {counts.updated:>6} updated "
            f"{counts.unchanged:>6} unchanged",
            file=out,
        )
    if report.dry_run:
        print("Dry run: nothing was written.", file=out)
    elif not report.written:
        print("Nothing changed.", file=out)
    return 0


_EN = Translator("en")
_ZH = Translator("zh")


def _print_errors(errors: Sequence[RowError], out: TextIO) -> None:
    for error in errors:
        where = f"line {error.line}"
        if error.column:
            where += f", column {error.column}"
            if error.cell and error.cell != error.column:
                where += f" ({error.cell})"
        english = _EN(error.text)
        print(f"{where}: {english}", file=out)
        chinese = _ZH(error.text)
        if chinese != english:  # only once the catalog has the message
            print(f"    {chinese}", file=out)
    count = len(errors)
    print(f"{count} error{'s' if count != 1 else ''}; nothing was written.", file=out)
