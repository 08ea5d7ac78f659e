"""One notice, two channels: on Telegram its actions become callback data that the
ladder's DecisionCb understands; on a text-only channel, numbered replies."""

from __future__ import annotations

from bot.domain.notices import Intent, Notice, NoticeAction, NoticeKind
from bot.domain.text import N_, Text
from bot.i18n import Translator
from bot.services.notice_plaintext import as_text, chosen
from bot.services.notice_texts import render
from handlers.telegram.ladder import DecisionCb
from handlers.telegram.outbox_sender import inline_keyboard, message_text

DIGEST = Notice(
    dedup_key="digest:1:2026-10:1:20",
    kind=NoticeKind.DIGEST,
    params={
        "county": "Demo County",
        "period": "2026-10",
        "run_no": 1,
        "stations": 2,
        "grace": 0,
        "counts": {"active": 1, "warned": 0, "probation": 0, "candidate": 1},
        "codes": {"warned": [], "probation": [], "candidate": ["A-S1"]},
        "decisions": True,
    },
    person_id=20,
    actions=(
        NoticeAction(
            Text(N_("Decide: {code}"), {"code": "A-S1"}),
            Intent.DECIDE_REMOVAL,
            {"station_id": 7, "period": "2026-10"},
        ),
    ),
)


def test_one_notice_rendered_for_telegram_and_for_a_text_channel():
    rendered = render(DIGEST.kind, DIGEST.params, DIGEST.actions, "zh")

    # Telegram: the action is a button whose callback data the ladder handler parses.
    keyboard = inline_keyboard(rendered.actions)
    ((button,),) = keyboard.inline_keyboard
    assert button.text == "决定：A-S1"
    assert button.callback_data == "dc:7:2026-10"
    parsed = DecisionCb.unpack(button.callback_data)
    assert (parsed.station_id, parsed.period) == (7, "2026-10")
    assert message_text(rendered) == rendered.text  # no command hint for a digest
    assert "Demo County" in rendered.text and "A-S1" in rendered.text

    # A text-only channel: the same action as a numbered reply, and the reply picks it.
    text = as_text(rendered, Translator("zh"))
    assert text.startswith(rendered.text)
    assert text.splitlines()[-1] == "1. 决定：A-S1"
    assert chosen(rendered, "1").args == {"station_id": 7, "period": "2026-10"}
    assert "callback" not in text and "dc:" not in text


def test_telegram_adds_its_command_after_a_reminder():
    idle = render(NoticeKind.IDLE, {"station": "A-S1", "days": 5}, (), "en")
    assert "/" not in idle.text
    assert message_text(idle).endswith("\n/menu")
    nudge = render(
        NoticeKind.NUDGE,
        {
            "station": "A-S1",
            "missing_downstream_fen": 5000,
            "missing_upstream_fen": None,
            "missing_upstream_parcels": None,
            "days_left": 9,
        },
        (),
        "en",
    )
    assert message_text(nudge).endswith("9 days left.\n/month")
