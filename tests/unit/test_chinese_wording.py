"""Chinese screens read as Chinese: no English word left in a translation, full-width
punctuation around Chinese text. What a keeper types (commands, codes, column names,
`排序:下行`) and names (Telegram, WeChat, the product's name) are the exceptions."""

from __future__ import annotations

import re

from babel.messages.pofile import read_po

from bot.i18n import LOCALES_DIR

# Words a Chinese screen may show: names, and values the user types or a file must contain.
ALLOWED_WORDS = {
    "Cunzhan", "Telegram", "WeChat", "English", "Language",
    "county", "code", "name", "docs", "import",  # network-import column names, a doc path
    "active", "warned", "probation", "removed", "ordinary", "demonstration",  # CSV values
}  # fmt: skip
CJK = r"[\u4e00-\u9fff]"
HALF_WIDTH_BESIDE_CHINESE = re.compile(rf"{CJK}[,:;?!]|[,:;?!]\s*{CJK}|{CJK}\.(?!\d)")
TYPED = re.compile(
    r"\{[^}]*\}"  # placeholders
    r"|/[a-z_]+"  # commands
    r"|[A-Za-z0-9]+-[A-Za-z0-9-]+"  # codes such as DEMO-S001
    r"|排序:\S+"  # a filter the user types
    r"|(?:[^\s，（]+, )+…"  # a header row as written in the file (comma-separated)
    r"|docs/\S+|python -m bot[\w .-]*"
)


def translations() -> list[tuple[str, str]]:
    with (LOCALES_DIR / "zh" / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalog = read_po(handle, locale="zh")
    return [(m.id, m.string) for m in catalog if m.id and m.string]


def test_no_english_word_is_left_in_a_chinese_message():
    untranslated = {
        msgid: words
        for msgid, text in translations()
        if (words := set(re.findall(r"[A-Za-z]{3,}", TYPED.sub("", text))) - ALLOWED_WORDS)
    }
    assert not untranslated


def test_chinese_text_uses_full_width_punctuation():
    half_width = [
        text for _, text in translations() if HALF_WIDTH_BESIDE_CHINESE.search(TYPED.sub("x", text))
    ]
    assert not half_width
