"""The catalogs ship compiled, complete, and in step with the source strings."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from bot.domain.text import Text
from bot.i18n import LOCALES_DIR, Translator, pick_language

ROOT = Path(__file__).resolve().parents[2]
KEYWORDS = {"t": None, "N_": None}


def source_msgids() -> set[str]:
    found: set[str] = set()
    for package in ("bot", "handlers", "jobs", "storage"):
        for _file, _line, message, _comments, _ctx in extract_from_dir(
            ROOT / package, keywords=KEYWORDS, comment_tags=()
        ):
            if isinstance(message, str) and message:
                found.add(message)
    return found


def catalog(language: str):
    path = LOCALES_DIR / language / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as handle:
        return read_po(handle, locale=language)


def test_every_source_string_has_a_chinese_translation():
    zh = {m.id: m.string for m in catalog("zh") if m.id}
    missing = sorted(s for s in source_msgids() if not zh.get(s))
    assert not missing, f"untranslated (run tools/i18n.sh, then translate): {missing}"


def test_english_catalog_covers_every_string():
    en = {m.id for m in catalog("en") if m.id}
    assert not source_msgids() - en, "run tools/i18n.sh"


def test_compiled_catalogs_match_their_sources():
    for language in ("zh", "en"):
        po = catalog(language)
        with (LOCALES_DIR / language / "LC_MESSAGES" / "messages.mo").open("rb") as handle:
            mo = read_mo(handle)
        expected = {m.id: m.string for m in po if m.id and m.string}
        compiled = {m.id: m.string for m in mo if m.id and m.string}
        assert compiled == expected, f"{language}.mo is stale: run tools/i18n.sh"


def test_placeholders_survive_translation():
    import re

    placeholder = re.compile(r"\{(\w+)\}")
    for message in catalog("zh"):
        if message.id and message.string:
            assert set(placeholder.findall(message.id)) == set(
                placeholder.findall(message.string)
            ), message.id


def test_translator():
    zh, en = Translator("zh"), Translator("en")
    assert zh("Help") == "帮助" and en("Help") == "Help"
    text = Text("No station has the code {code}.", {"code": "X-1"})
    assert zh(text) == "没有编码为 X-1 的站点。"
    assert en(text) == "No station has the code X-1."
    assert pick_language(None, "en-US") == "en" and pick_language("fr", None) == "zh"


def test_catalogs_are_package_data():
    """The wheel carries the compiled catalogs (setuptools package-data)."""
    out = subprocess.run(
        [sys.executable, "-c", "import bot.i18n as m; print(m.LOCALES_DIR)"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert (Path(out) / "zh" / "LC_MESSAGES" / "messages.mo").exists()
