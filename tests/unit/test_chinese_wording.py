"""Chinese screens read as Chinese: no English word left in a translation, full-width
punctuation around Chinese text. What a keeper types (commands, codes, column names,
`排序:下行`) and names (Telegram, WeChat, the product's name) are the exceptions."""

from __future__ import annotations

import re
import unicodedata
from types import SimpleNamespace

from babel.messages.pofile import read_po

from bot.domain.zones import ZONE_WORDS, zone_words
from bot.i18n import LOCALES_DIR, Translator
from bot.presenters.texts import join_phrases, place_label, station_label

# Words a Chinese screen may show: names, and values the user types or a file must contain.
ALLOWED_WORDS = {
    "Cunzhan", "Telegram", "WeChat", "English", "Language",
    "county", "code", "name", "docs", "import",  # network-import column names, a doc path
    "active", "warned", "probation", "removed", "ordinary", "demonstration",  # CSV values
}  # fmt: skip
CJK = r"[\u4e00-\u9fff]"
HALF_WIDTH_BESIDE_CHINESE = re.compile(rf"{CJK}\s?[,:;?!()]|[,:;?!()]\s*{CJK}|{CJK}\.(?!\d)")
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


# --- the native-speaker pass (issue 9): rules a test can hold ----------------------------

# One word for one thing across every screen: the variant on the left reads as another
# thing to a keeper (or talks down to them).
HOUSE_TERMS = {
    "你": "您",  # one polite form of address
    "结账": "关账",  # a month closed by the review
    "关闭的月": "关账的月",
    "冲正": "更正",  # a void's reversal entry
    "县里工作人员": "县级工作人员",
    "主管部门": "县商务局",
    "乡镇站人员": "乡镇工作人员",
}
FULL_WIDTH = "，。：；！？、（）"


def test_house_terms_are_used_everywhere():
    found = {text: wrong for _, text in translations() for wrong in HOUSE_TERMS if wrong in text}
    assert not found


def test_no_space_beside_full_width_punctuation():
    spaced = [
        text
        for _, text in translations()
        if re.search(rf"[{FULL_WIDTH}] +\S|\S +[，。：；！？、）]", text)
    ]
    assert not spaced


def test_buttons_keep_their_symbol_and_take_no_full_stop():
    """A label that starts with a symbol (✅ 保存, ✖ 取消, 📦 入库) keeps it first, and one
    without a full stop in English gets none in Chinese: one style for every button."""
    labels = [
        (msgid, text)
        for msgid, text in translations()
        if unicodedata.category(msgid[0]) == "So" or msgid[0] in "✖↩◀"
    ]
    assert len(labels) > 20
    for msgid, text in labels:
        assert text.startswith(msgid[0]), (msgid, text)
        if not msgid.rstrip().endswith((".", ":")):
            assert not text.endswith(("。", "：", ".")), (msgid, text)
    # A button that acts says what it does, not what has been done.
    actions = [text for msgid, text in labels if msgid.startswith("✅")]
    assert all("已" not in text for text in actions if not text.endswith("已保存")), actions


def test_every_zone_is_named_in_words_not_by_its_id():
    t = Translator("zh")
    for zone in ZONE_WORDS:
        words = t(zone_words(zone))
        assert "/" not in words and not re.search("[A-Za-z]", words), (zone, words)
    assert t(zone_words("Asia/Shanghai")) == "北京时间"


def test_phrases_join_without_a_space_beside_full_width_punctuation():
    t = Translator("zh")
    done = join_phrases(
        t("Done: {n} saved.", n=2), t("Send /month to see the month, /menu for the menu.")
    )
    assert done.startswith("完成：已保存 2 条。发送 /month")
    assert join_phrases("#10 11-24 12:00", "（补记于 11-25 02:00）", "上行销售") == (
        "#10 11-24 12:00（补记于 11-25 02:00）上行销售"
    )
    assert join_phrases("Done: 2 saved.", "Send /month") == "Done: 2 saved. Send /month"
    assert station_label("桃园村服务站", "A-S1", t) == "桃园村服务站（A-S1）"
    assert station_label("Peach", "A-S1", Translator("en")) == "Peach (A-S1)"
    assert place_label("桃园村服务站 (A-S1)", t) == "桃园村服务站（A-S1）"  # an invite's place
    assert place_label("桃园村服务站 (A-S1)", Translator("en")) == "桃园村服务站 (A-S1)"


def test_the_county_digest_names_each_station_beside_its_code():
    from bot.domain.assessment import LadderStep, Verdict
    from bot.services.notice_builders import decide_actions, digest_params
    from bot.services.notice_texts import digest_text

    def verdict(code, name, step):
        return SimpleNamespace(
            station_id=1, code=code, name=name, verdict=Verdict.FAIL, ladder_step=step
        )

    verdicts = [
        verdict("A-S1", "桃园村服务站", LadderStep.WARNED),
        verdict("A-S2", "桃园二站", LadderStep.WARNED),
        verdict("A-S3", "李庄村服务站", LadderStep.CANDIDATE),
    ]
    county = SimpleNamespace(name="甲县")
    text = digest_text(digest_params(county, "2026-10", 1, verdicts), Translator("zh"))
    assert "黄牌：A-S1 桃园村服务站；A-S2 桃园二站" in text, text
    assert "淘汰候选：A-S3 李庄村服务站" in text
    (button,) = decide_actions("2026-10", verdicts)
    assert Translator("zh")(button.label) == "决定：A-S3 李庄村服务站"
