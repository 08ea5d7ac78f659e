"""The Bot API double and the live bot for end-to-end tests, as pytest fixtures.

Import the fixtures into a test module (`from tests.support.fake_telegram import …`):
`fake_api` (the HTTP double, started), `e2e_app` (a fresh SQLite database with the sample
network imported, on the tests' FakeClock) and `live` (the real bot long-polling the
double; stopped cleanly after the test).
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import pytest

from bot.bootstrap import App, build_app
from bot.commands.keys import cli_key
from bot.config import Settings
from bot.domain.commands import CreateInvite
from bot.domain.roles import Role
from bot.services.invites import CLI_ACTOR
from devtools.demo.seed import seed_network
from devtools.harness import DEMO_TOKEN, LiveBot, live_bot
from devtools.telegram_double.server import (
    ApiCall,
    Button,
    CallbackAnswer,
    FakeTelegram,
    FakeUser,
    SentMessage,
)

START_LINK_RE = re.compile(r"https://t\.me/(\w+)\?start=([A-Za-z0-9_-]+)")

__all__ = [
    "DEMO_TOKEN",
    "START_LINK_RE",
    "ApiCall",
    "Button",
    "CallbackAnswer",
    "FakeTelegram",
    "FakeUser",
    "LiveBot",
    "SentMessage",
    "cli_invite",
    "decode_qr",
    "e2e_app",
    "fake_api",
    "live",
]


@pytest.fixture
async def fake_api() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram() as fake:
        yield fake


@pytest.fixture
async def e2e_app(tmp_path, clock) -> AsyncIterator[App]:
    settings = Settings(
        _env_file=None,
        database_url=f"sqlite+aiosqlite:///{tmp_path}/e2e.db",
        phone_hash_key="e2e-test-key",  # else a key file is written under ./data
    )
    app = await build_app(settings, clock=clock)
    app.network = await seed_network(app)  # a DemoNetwork: county code, station codes
    yield app
    await app.close()


@pytest.fixture
async def live(e2e_app, fake_api) -> AsyncIterator[LiveBot]:
    async with live_bot(e2e_app, fake_api, polling_timeout=5) as running:
        yield running


async def cli_invite(app: App, role: Role, code: str | None) -> str:
    """An invite token as `python -m bot invite` makes it."""
    created = await app.services.run(
        CreateInvite(role, code, request_key=cli_key("invite")), CLI_ACTOR
    )
    assert created.token is not None
    return created.token


def decode_qr(png: bytes) -> str:
    """The text in a QR code image."""
    import io

    import zxingcpp
    from PIL import Image

    found = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
    assert found, "no QR code in the image"
    return found[0].text
