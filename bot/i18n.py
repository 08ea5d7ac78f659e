"""Translations for every front end and job, from compiled gettext catalogs.

Source strings are English; `bot/locales/<lang>/LC_MESSAGES/messages.mo` ship with the
code (compiled from the .po next to them; `tests/test_i18n.py` fails if they drift).
Simplified Chinese is the default language. This module uses the standard library only,
so the WeChat front end and the jobs translate exactly as the Telegram bot does.
"""

from __future__ import annotations

import gettext
from functools import cache
from pathlib import Path
from typing import Any

from bot.domain.text import Text

LOCALES_DIR = Path(__file__).parent / "locales"
DOMAIN = "messages"
LANGUAGES = ("zh", "en")
DEFAULT_LANGUAGE = "zh"


@cache
def _catalog(language: str) -> gettext.NullTranslations:
    try:
        return gettext.translation(DOMAIN, localedir=LOCALES_DIR, languages=[language])
    except FileNotFoundError:
        return gettext.NullTranslations()


def pick_language(*candidates: str | None) -> str:
    """The first supported language among the candidates (e.g. 'en-US' → 'en'), else zh."""
    for candidate in candidates:
        if candidate:
            short = candidate.split("-")[0].split("_")[0].lower()
            if short in LANGUAGES:
                return short
    return DEFAULT_LANGUAGE


class Translator:
    """Translates for one reader: `t("Hello {name}", name=…)` or `t(Text(...))`."""

    def __init__(self, language: str) -> None:
        self.language = language if language in LANGUAGES else DEFAULT_LANGUAGE
        self._catalog = _catalog(self.language)

    def __call__(self, message: str | Text, /, **params: Any) -> str:
        if isinstance(message, Text):
            params = {**message.params, **params}
            message = message.msgid
        translated = self._catalog.gettext(message)
        if not params:
            return translated
        # Parameters that are themselves source strings (a role label) are translated too.
        params = {
            k: self._catalog.gettext(v) if isinstance(v, str) else v for k, v in params.items()
        }
        return translated.format(**params)

    def ngettext(self, singular: str, plural: str, n: int, **params: Any) -> str:
        return self._catalog.ngettext(singular, plural, n).format(n=n, **params)
