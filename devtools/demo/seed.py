"""Demo data, made the way real data is made: the sample county through the network
importer, the people through invites redeemed in the chat."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path

from adapters.tabular import read_table
from bot.bootstrap import App
from bot.commands.keys import cli_key
from bot.domain.commands import CreateInvite
from bot.domain.roles import Role
from bot.services.invites import CLI_ACTOR
from bot.services.network_import import import_network
from devtools.harness import LiveBot
from devtools.telegram_double.server import FakeUser, SentMessage
from storage.repositories.network_import import SqlNetworkImportStores

SAMPLE_NETWORK = Path(__file__).resolve().parents[2] / "bot" / "samples" / "network_sample.csv"
DEMO_COUNTY = "DEMO"


@dataclass(frozen=True)
class DemoNetwork:
    county_code: str
    county_name: str
    station_codes: list[str]

    @property
    def first_station(self) -> str:
        return self.station_codes[0]


class SeedError(RuntimeError):
    pass


async def seed_network(
    app: App, path: Path = SAMPLE_NETWORK, county_code: str = DEMO_COUNTY
) -> DemoNetwork:
    """Import the sample network (importing it again changes nothing) and describe it."""
    table = await asyncio.to_thread(read_table, path)
    errors = list(table.errors)
    if not errors:
        report = await import_network(
            SqlNetworkImportStores(app.uow),
            app.clock,
            table.rows,
            default_timezone=app.settings.timezone,
        )
        errors = list(report.errors)
    if errors:
        lines = "; ".join(f"line {e.line}: {e.text}" for e in errors[:5])
        raise SeedError(f"{path.name} did not import: {lines}")
    async with app.uow() as uow:
        county = await uow.network.county_by_code(county_code)
        if county is None:
            raise SeedError(f"{path.name} has no county {county_code}")
        cards, _ = await uow.network.stations(county_id=county.id, limit=1000)
    if not cards:
        raise SeedError(f"county {county_code} has no stations")
    return DemoNetwork(county.code, county.name, [card.code for card in cards])


async def enrol(
    app: App,
    live: LiveBot,
    user: FakeUser,
    role: Role,
    code: str | None,
    timeout: float = 10,  # noqa: ASYNC109
) -> list[SentMessage]:
    """An invite made as the CLI makes it, redeemed by the user sending `/start <token>`
    through the bot, as scanning the QR code would. Returns the bot's replies."""
    created = await app.services.run(
        CreateInvite(role, code, request_key=cli_key("invite")), CLI_ACTOR
    )
    assert created.token is not None
    update = live.fake.send_text(user, f"/start {created.token}")
    try:
        await live.wait_handled(update, timeout)
    except TimeoutError:
        raise SeedError(f"the bot did not answer {user.full_name}'s /start in {timeout}s") from None
    replies = live.fake.unread(user.id)
    if not replies or not replies[-1].buttons:  # a refusal comes without the menu
        said = replies[-1].body if replies else "nothing"
        raise SeedError(f"{user.full_name} was not registered; the bot said: {said}")
    return replies
