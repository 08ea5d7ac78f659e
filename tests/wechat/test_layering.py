"""No business rule in the WeChat package: it reaches the core only through `Services` and
the typed commands, and needs nothing of Telegram."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "handlers" / "wechat"
# What the package may import from the core: the way in (the bus, commands, the forms'
# text rendering, authz's Actor), the words (presenters, i18n, Text), and the parsers
# every front end shares (one-line forms, searches, numbered choices, invite tokens).
ALLOWED_CORE = {
    "bot.bootstrap", "bot.config", "bot.domain", "bot.domain.clock", "bot.domain.commands",
    "bot.domain.errors", "bot.domain.invites", "bot.domain.numbers", "bot.domain.one_line",
    "bot.domain.roles", "bot.domain.shelf", "bot.domain.text", "bot.domain.notices", "bot.i18n",
    "bot.presenters.shelf", "bot.presenters.texts", "bot.services.authz", "bot.services.bus",
    "bot.services.forms", "bot.services.forms.text", "bot.services.ports",
    "bot.services.notice_texts", "bot.domain.links",
    # check-ins, station codes and claims over WeChat: the scan's kind, the claim states
    # (to word them), and their presenters
    "bot.domain.board", "bot.domain.claims", "bot.presenters.board", "bot.presenters.claims",
    "bot.domain.money",
}  # fmt: skip


def _imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return names


def test_the_package_reaches_the_core_only_through_the_services():
    core = {
        name for path in PACKAGE.rglob("*.py") for name in _imports(path) if name.startswith("bot.")
    }
    assert core <= ALLOWED_CORE, core - ALLOWED_CORE
    storage = {
        name
        for path in PACKAGE.rglob("*.py")
        for name in _imports(path)
        if name.startswith("storage.")
    }
    # Transactions only (a unit of work, the process's shared commits), its own table.
    transactions = {"storage.repositories.wechat", "storage.uow", "storage.group_commit"}
    assert storage <= transactions, storage


def test_the_package_loads_without_telegram():
    code = (
        "import sys, json; import handlers.wechat.webhook, handlers.wechat.runner; "
        "print(json.dumps(sorted(m for m in sys.modules if m.startswith(('aiogram', "
        "'handlers.telegram')))))"
    )
    run = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert json.loads(run.stdout) == []
