"""Rules for conversations (dialogs) that any front end runs."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from bot.domain.text import N_, Text

DIALOG_EXPIRED = N_(
    "Your unfinished form was closed after {minutes} minutes without a reply. Nothing was "
    "saved from it. Open the menu to start again."
)
# Keys a front end stamps into a dialog's data: last activity and the reader's language.
TOUCHED = "_touched"
LANG = "_lang"


def expired_notice(idle: timedelta) -> Text:
    return Text(DIALOG_EXPIRED, {"minutes": int(idle.total_seconds() // 60)})


def is_stale(data: dict[str, Any], now: datetime, idle: timedelta) -> bool:
    touched = data.get(TOUCHED)
    return touched is not None and now - datetime.fromisoformat(touched) > idle
