"""Notices in the core: built from facts, fanned out in one pass, rendered at send time in
the reader's language, offered on a text-only channel as numbered replies; and no core
text names a channel's command or wire format. No aiogram, no database."""

from __future__ import annotations

import ast
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest

from bot.domain.assessment import LadderStep, Thresholds, Verdict
from bot.domain.errors import NotAllowed
from bot.domain.notices import KIND_CATEGORY, AlertCategory, Intent, NoticeKind
from bot.domain.roles import Role
from bot.i18n import Translator
from bot.services import mutes
from bot.services import notice_builders as build
from bot.services.authz import Actor
from bot.services.claims.common import decision_notices as claim_decision_notices
from bot.services.notice_fanout import fan_out
from bot.services.notice_plaintext import as_text, chosen
from bot.services.notice_texts import TEXTS, render
from jobs.dialog_expiry import expired_notice

ROOT = Path(__file__).resolve().parents[2]
PERIOD = "2026-10"


@dataclass(frozen=True)
class Reader:
    person_id: int
    station_id: int | None = None


def verdict(station_id: int, code: str, step=LadderStep.CANDIDATE, result=Verdict.FAIL):
    return SimpleNamespace(
        station_id=station_id,
        code=code,
        name=f"Station {code}",
        verdict=result,
        failing_months=3,
        ladder_step=step,
        downstream_fen=120_000,
        upstream_fen=30_000,
        upstream_parcels=12,
        thresholds=Thresholds(300_000, 50_000, 30),
        missing_downstream_fen=180_000,
        missing_upstream_fen=20_000,
        missing_upstream_parcels=18,
    )


COUNTY = SimpleNamespace(id=1, name="Demo County", code="A", timezone="Asia/Shanghai")
VERDICTS = [
    verdict(1, "A-S1"),
    verdict(2, "A-S2", LadderStep.ACTIVE, Verdict.PASS),
    verdict(3, "A-S3", LadderStep.ACTIVE, Verdict.GRACE),
]
KEEPERS = [Reader(10, 1), Reader(11, 1), Reader(12, 2), Reader(13, 99)]
STAFF = [Reader(20), Reader(21)]


def every_kind() -> list:
    """One notice of each kind, made by the producers' own builders."""
    station = SimpleNamespace(id=1, code="A-S1", name="Station A-S1")
    missing = SimpleNamespace(
        downstream_ok=False,
        upstream_ok=False,
        missing_downstream_fen=5_000,
        missing_upstream_fen=2_000,
        missing_upstream_parcels=4,
    )
    arrived = datetime(2026, 10, 1, 20, tzinfo=UTC)  # 2 October in Beijing
    parcel = {"pickup_code": "A-12", "recipient_name": "张三", "arrived_at": arrived}
    card = SimpleNamespace(id=1, name="Station A-S1")
    notices = [
        *build.verdict_notices(PERIOD, 1, VERDICTS, KEEPERS),
        *build.digest_notices(COUNTY, PERIOD, 1, VERDICTS, STAFF),
        *build.nudge_notices(PERIOD, [(station, missing, 9)], KEEPERS),
        *build.idle_notices([(station, 5, "2026-10-20")], KEEPERS),
        *build.idle_digest_notices(COUNTY, "2026-10-25", 7, [(station, 9)], STAFF),
        *build.stranded_notices(
            "2026-10-25",
            {1: [parcel]},
            datetime(2026, 10, 18, tzinfo=UTC),
            "Asia/Shanghai",
            KEEPERS,
        ),
        *build.stranded_digest_notices(COUNTY, "2026-10-25", 72, [(station, 12)], STAFF),
        *build.decision_notices(card, "remove", "三个月未达标", "dd:1:abc", KEEPERS),
    ]
    dialog = SimpleNamespace(
        key=(1, 55, 55, 0, "", "default"),
        data={"_lang": "en"},
        updated_at=datetime(2026, 10, 1, tzinfo=UTC),
    )
    notices.append(expired_notice(dialog, timedelta(minutes=30), "telegram"))
    # subsidy claims (issue 10)
    claim = SimpleNamespace(
        id=7, station_id=1, amount_fen=14_600, period="2026-10", station_name="Station A-S1"
    )
    notices += claim_decision_notices(claim, "needs_info", "请补充运单照片", "tg:1:x", KEEPERS)
    notices += board_notices()  # the notice board (issue 11)
    return notices


def board_notices() -> list:
    """The notice board's notices (issue 11), by their builders."""
    from bot.domain.board import ArrivalSubscription, Complaint, ComplaintStatus
    from bot.services.board import notices as board

    card = SimpleNamespace(id=1, code="A-S1", name="桃园村服务站", village_name="桃园村")
    profile = SimpleNamespace(hours="8:00-20:00", services="快递收发", fees="免费")
    at = datetime(2026, 10, 1, tzinfo=UTC)
    complaint = Complaint(
        1,
        "TS-ABCD2345",
        1,
        "telegram",
        "9",
        "9",
        "zh",
        None,
        "不开门",
        ("f1",),
        ComplaintStatus.RECEIVED,
        at,
    )
    subscriber = ArrivalSubscription(1, "telegram", "9", "9", "zh", "d" * 64, "5678", at)
    return [
        *board.profile_changed_notices(card, profile, "tg:1:1", STAFF),
        *board.position_proposed_notices(card, "29.123456, 106.654321", STAFF),
        *board.checkin_flagged_notices(
            card, SimpleNamespace(id=7, flag="impossible_move"), 150, 10, STAFF
        ),
        *board.checkin_flagged_notices(
            card, SimpleNamespace(id=8, flag="frozen_position"), 0, 1440, STAFF
        ),
        *board.complaint_notices(card, complaint, STAFF),
        board.complaint_answered_notice(card, complaint, "已整改"),
        *board.inspection_failed_notices(card, 3, "李干部", ["fee list"], "无价目表", STAFF),
        *board.parcel_arrived_notices(card, 12, "A-003", [subscriber]),
    ]


def test_verdicts_reach_the_keepers_of_their_station_only():
    notices = build.verdict_notices(PERIOD, 1, VERDICTS, KEEPERS)
    assert sorted((n.person_id, n.params["code"]) for n in notices) == [
        (10, "A-S1"),
        (11, "A-S1"),
        (12, "A-S2"),
    ]
    assert all(n.address is None and n.category is AlertCategory.VERDICT for n in notices)
    assert notices[0].dedup_key == "verdict:2026-10:1:1:10"


def test_the_digest_offers_a_decision_per_candidate_as_actions():
    (first, second) = build.digest_notices(COUNTY, PERIOD, 2, VERDICTS, STAFF)
    assert {first.person_id, second.person_id} == {20, 21}
    (action,) = first.actions
    assert action.intent is Intent.DECIDE_REMOVAL
    assert action.args == {"station_id": 1, "period": PERIOD}
    assert first.params["counts"] == {"active": 1, "warned": 0, "probation": 0, "candidate": 1}


def test_fan_out_is_linear_in_readers():
    """Readers are grouped once: 1,000 stations × 1,000 keepers is 1,000 notices, and the
    notice factory is called once per notice."""
    stations = list(range(1000))
    readers = [Reader(person, person) for person in range(1000)]
    calls = []

    def notice(station, person):
        calls.append((station, person))
        return build.Notice(f"k{station}:{person}", NoticeKind.IDLE, {}, person_id=person)

    notices = fan_out(stations, readers, notice, station=lambda s: s)
    assert len(notices) == len(calls) == 1000
    assert all(s == p for s, p in calls)


@pytest.mark.parametrize("language", ["zh", "en"])
def test_every_kind_renders_in_every_language(language):
    notices = every_kind()
    assert {n.kind for n in notices} == set(NoticeKind) == set(TEXTS)
    for notice in notices:
        rendered = render(notice.kind, notice.params, notice.actions, language)
        assert rendered.text.strip(), notice.kind
    verdict_zh = render(NoticeKind.VERDICT, notices[0].params, (), "zh").text
    assert "⚠️" in verdict_zh and "1,800 元；上行" in verdict_zh


def test_params_are_plain_json():
    for notice in every_kind():
        assert json.loads(json.dumps(dict(notice.params))) == dict(notice.params)


def test_a_text_channel_offers_actions_as_numbered_replies():
    (digest, _) = build.digest_notices(COUNTY, PERIOD, 1, VERDICTS, STAFF)
    rendered = render(digest.kind, digest.params, digest.actions, "en")
    text = as_text(rendered, Translator("en"))
    assert text.startswith(rendered.text)
    assert text.endswith("Reply with a number:\n1. Decide: A-S1 Station A-S1")  # name beside code
    assert chosen(rendered, " 1 ") == rendered.actions[0]
    assert chosen(rendered, "１") == rendered.actions[0]  # a full-width digit
    assert chosen(rendered, "2") is None and chosen(rendered, "yes") is None
    zh = as_text(render(digest.kind, digest.params, digest.actions, "zh"), Translator("zh"))
    assert "1. 决定：A-S1 Station A-S1" in zh


def test_only_answers_to_the_readers_own_action_cannot_be_muted():
    assert set(NoticeKind) - set(KIND_CATEGORY) == {
        # the dialog notice answers an unfinished form
        NoticeKind.DIALOG_EXPIRED,
        # subsidy claims (issue 10): a claim decision, the keeper's own claim
        NoticeKind.CLAIM_DECISION,
        # the notice board (issue 11): complaints must reach staff; a villager's own
        # notices answer what they asked for (they unsubscribe instead)
        NoticeKind.COMPLAINT,
        NoticeKind.COMPLAINT_ANSWERED,
        NoticeKind.PARCEL_ARRIVED,
    }


# --- the core names no channel ---------------------------------------------------------

COMMAND = re.compile(r"(?<![\w.:/<>])/[a-z][a-z_]{1,31}\b")
WIRE = ("callback_data", "reply_markup", "inline_keyboard")


def core_strings():
    for package in ("bot/domain", "bot/services"):
        for path in sorted((ROOT / package).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            docstrings = {
                id(node.body[0].value)
                for node in ast.walk(tree)
                if isinstance(
                    node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef
                )
                and node.body
                and isinstance(node.body[0], ast.Expr)
                and isinstance(node.body[0].value, ast.Constant)
            }
            for node in ast.walk(tree):
                if (
                    isinstance(node, ast.Constant)
                    and isinstance(node.value, str)
                    and id(node) not in docstrings
                ):
                    yield f"{path.relative_to(ROOT)}:{node.lineno}", node.value


def test_no_core_string_names_a_telegram_command_or_wire_format():
    strings = list(core_strings())
    assert len(strings) > 500  # the scan really reads the core
    commands = [(where, s) for where, s in strings if COMMAND.search(s)]
    assert commands == []
    wire = [(where, s) for where, s in strings if any(w in s for w in WIRE)]
    assert wire == []


def test_the_scan_would_see_a_command():
    assert COMMAND.search("See /month.") and COMMAND.search("/menu")
    assert not COMMAND.search("docs/network-import.md") and not COMMAND.search("1/2")


# --- who may mute what (bot.services.mutes) ----------------------------------------------


class FakeOutbox:
    def __init__(self) -> None:
        self.muted: set[tuple[int, str]] = set()

    async def mute(self, person_id, category, now) -> bool:
        new = (person_id, category) not in self.muted
        self.muted.add((person_id, category))
        return new

    async def unmute(self, person_id, category) -> bool:
        had = (person_id, category) in self.muted
        self.muted.discard((person_id, category))
        return had

    async def mutes(self, person_id) -> set[str]:
        return {c for p, c in self.muted if p == person_id}


async def test_keepers_mute_their_reminders_but_not_decisions():
    uow = SimpleNamespace(outbox=FakeOutbox())
    now = datetime(2026, 10, 1, tzinfo=UTC)
    keeper = Actor("telegram", "1", person_id=1, role=Role.KEEPER)
    staff = Actor("telegram", "2", person_id=2, role=Role.COUNTY_STAFF)
    stranger = Actor("telegram", "3")
    assert await mutes.set_muted(keeper, AlertCategory.IDLE, True, uow, now)
    assert not await mutes.set_muted(keeper, AlertCategory.IDLE, True, uow, now)  # no toggle
    with pytest.raises(NotAllowed):
        await mutes.set_muted(keeper, AlertCategory.DECISION, True, uow, now)
    assert await mutes.set_muted(staff, AlertCategory.DECISION, True, uow, now)
    with pytest.raises(NotAllowed):
        await mutes.set_muted(stranger, AlertCategory.IDLE, True, uow, now)
    assert await mutes.muted_categories(keeper, uow) == {AlertCategory.IDLE}
    assert await mutes.set_muted(keeper, AlertCategory.IDLE, False, uow, now)
    assert mutes.mutable_categories(stranger) == ()
    assert mutes.parse_category(" 月中提醒 ") is AlertCategory.NUDGE
    assert mutes.parse_category("Idle  Station reminders") is AlertCategory.IDLE
    assert mutes.parse_category("weather") is None
