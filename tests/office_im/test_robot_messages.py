"""A county's staff notices as robot messages: routed to its robots by the core's
builders, rendered by the core's texts in the robot's language (Chinese by default),
Markdown for lists, plain text for one line, folded into one message within the size
limit, actions listed rather than dropped."""

from __future__ import annotations

from types import SimpleNamespace

from bot.domain.notices import NoticeKind
from bot.i18n import Translator
from bot.services import notice_builders as build
from bot.services.notice_texts import RenderedNotice, render
from bot.services.ports import RobotRoute
from handlers.office_im.messages import MARKDOWN_BYTES, fold, single
from tests.unit.test_notices import COUNTY, PERIOD, STAFF, VERDICTS

ZH = Translator("zh")
WECOM = RobotRoute(7, "wecom", "zh")
DINGTALK_EN = RobotRoute(8, "dingtalk", "en")
INSTEAD = RobotRoute(9, "wecom", "zh", replaces_staff_chats=True)


def rendered(notice) -> RenderedNotice:
    language = notice.address.language if notice.address else "zh"
    return render(notice.kind, notice.params, notice.actions, language)


def test_staff_notices_go_to_the_county_robots_as_well_as_staff_chats():
    notices = build.digest_notices(COUNTY, PERIOD, 1, VERDICTS, STAFF, [WECOM, DINGTALK_EN])
    to_people = sorted(n.person_id for n in notices if n.person_id)
    to_robots = {n.address for n in notices if n.address}
    assert to_people == [20, 21]
    assert {(a.channel, a.chat_id, a.language) for a in to_robots} == {
        ("wecom", "robot:7", "zh"),
        ("dingtalk", "robot:8", "en"),
    }
    keys = {n.dedup_key for n in notices}
    assert "digest:1:2026-10:1:robot:7" in keys and "digest:1:2026-10:1:20" in keys


def test_a_robot_added_instead_of_staff_chats_takes_their_place():
    station = SimpleNamespace(id=1, code="A-S1", name="一号站")
    for notices in (
        build.digest_notices(COUNTY, PERIOD, 1, VERDICTS, STAFF, [WECOM, INSTEAD]),
        build.idle_digest_notices(COUNTY, "2026-10-25", 7, [(station, 9)], STAFF, [INSTEAD]),
        build.stranded_digest_notices(COUNTY, "2026-10-25", 72, [(station, 9)], STAFF, [INSTEAD]),
    ):
        assert notices and all(n.person_id is None for n in notices)
    # No robot: staff chats as before; robots never receive keepers' own notices.
    assert all(n.person_id for n in build.digest_notices(COUNTY, PERIOD, 1, VERDICTS, STAFF))


def test_a_digest_reads_as_chinese_markdown_with_its_decisions_listed():
    [notice] = build.digest_notices(COUNTY, PERIOD, 1, VERDICTS, [], [WECOM])
    message = single(rendered(notice), ZH)
    assert message.markdown and message.count == 1
    head = message.body.splitlines()[0]
    assert head.startswith("**") and "月度考核" in head
    assert "请在村站机器人中处理：" in message.body and "A-S1" in message.body
    payload = message.dingtalk()
    assert payload["markdown"]["title"] and "\n\n" in payload["markdown"]["text"]
    assert message.wecom()["msgtype"] == "markdown"


def test_a_one_line_notice_stays_plain_text():
    one_line = RenderedNotice(NoticeKind.DECISION, "决定：保留")
    message = single(one_line, ZH)
    assert not message.markdown and message.wecom() == {
        "msgtype": "text",
        "text": {"content": "决定：保留"},
    }


def test_many_notices_fold_into_messages_within_the_size_limit_in_order():
    station = SimpleNamespace(id=1, code="A-S1", name="站" * 10)
    notices = [
        rendered(n)
        for day in range(1, 41)
        for n in build.idle_digest_notices(
            COUNTY, f"2026-10-{day:02}", 7, [(station, day)] * 12, [], [WECOM]
        )
    ]
    carried, messages = [], 0
    while notices:
        message = fold(notices, ZH)
        messages += 1
        assert len(message.body.encode()) <= MARKDOWN_BYTES
        assert message.body.startswith(f"### 共 {message.count} 条通知") or message.count == 1
        carried += notices[: message.count]
        notices = notices[message.count :]
    assert len(carried) == 40 and 1 < messages < 40
    assert [n.text for n in carried][:2] != [carried[0].text] * 2  # in order, each once


def test_a_notice_longer_than_the_limit_is_cut_not_refused():
    huge = RenderedNotice(NoticeKind.IDLE_DIGEST, "\n".join(["很长的一行"] * 2000))
    message = fold([huge, huge], ZH)
    assert message.count == 1 and len(message.body.encode()) <= MARKDOWN_BYTES
    assert message.body.endswith("…")
