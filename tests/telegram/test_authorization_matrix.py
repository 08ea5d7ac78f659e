"""Every role against every command, aimed at its own scope and at a foreign one.

Roles: a stranger, the keeper of A-S1, the operator of township A-T1, staff of county A,
an admin. Network: county A (A-T1: A-S1, A-S2; A-T2: A-S3) and county B (B-S1).
"""

from __future__ import annotations

import pytest
from aiogram.methods import SendDocument, SendPhoto

from bot.domain.roles import Role

NOT_REGISTERED = "not registered"
NOT_ALLOWED = "not allowed"
OUTSIDE = "outside the part of the network"
CARD = "Tier:"
QR = "<photo>"

ROLES = {
    "stranger": None,
    "keeper": (Role.KEEPER, "A-S1"),
    "operator": (Role.TOWNSHIP_OPERATOR, "A-T1"),
    "staff": (Role.COUNTY_STAFF, "A"),
    "admin": (Role.ADMIN, None),
}

MATRIX = [
    # command, {role: expected}
    (
        "/station",
        {
            "stranger": NOT_REGISTERED,
            "keeper": "A-S1",
            "operator": "Send the station code",
            "staff": "Send the station code",
            "admin": "Send the station code",
        },
    ),
    (
        "/station A-S2",
        {
            "stranger": NOT_REGISTERED,
            "keeper": OUTSIDE,
            "operator": CARD,
            "staff": CARD,
            "admin": CARD,
        },
    ),
    (
        "/station A-S3",
        {
            "stranger": NOT_REGISTERED,
            "keeper": OUTSIDE,
            "operator": OUTSIDE,
            "staff": CARD,
            "admin": CARD,
        },
    ),
    (
        "/station B-S1",
        {
            "stranger": NOT_REGISTERED,
            "keeper": OUTSIDE,
            "operator": OUTSIDE,
            "staff": OUTSIDE,
            "admin": CARD,
        },
    ),
    (
        "/stations",
        {
            "stranger": NOT_REGISTERED,
            "keeper": NOT_ALLOWED,
            "operator": "Stations: 2",
            "staff": "Stations: 3",
            "admin": "Stations: 4",
        },
    ),
    (
        "/invite A-S3",
        {
            "stranger": NOT_REGISTERED,
            "keeper": NOT_ALLOWED,
            "operator": NOT_ALLOWED,
            "staff": QR,
            "admin": QR,
        },
    ),
    (
        "/invite B-S1",
        {
            "stranger": NOT_REGISTERED,
            "keeper": NOT_ALLOWED,
            "operator": NOT_ALLOWED,
            "staff": OUTSIDE,
            "admin": QR,
        },
    ),
    (
        "/invite_operator A-T2",
        {
            "stranger": NOT_REGISTERED,
            "keeper": NOT_ALLOWED,
            "operator": NOT_ALLOWED,
            "staff": QR,
            "admin": QR,
        },
    ),
    (
        "/invite_operator B-T1",
        {
            "stranger": NOT_REGISTERED,
            "keeper": NOT_ALLOWED,
            "operator": NOT_ALLOWED,
            "staff": OUTSIDE,
            "admin": QR,
        },
    ),
    (
        "/invite_staff A",
        {
            "stranger": NOT_REGISTERED,
            "keeper": NOT_ALLOWED,
            "operator": NOT_ALLOWED,
            "staff": NOT_ALLOWED,
            "admin": QR,
        },
    ),
    (
        "/invite_staff B",
        {
            "stranger": NOT_REGISTERED,
            "keeper": NOT_ALLOWED,
            "operator": NOT_ALLOWED,
            "staff": NOT_ALLOWED,
            "admin": QR,
        },
    ),
    (
        "/invite_admin",
        {
            "stranger": NOT_REGISTERED,
            "keeper": NOT_ALLOWED,
            "operator": NOT_ALLOWED,
            "staff": NOT_ALLOWED,
            "admin": QR,
        },
    ),
    # The ledger: only a keeper writes, and only at their own station.
    (
        "/month",
        {
            "stranger": NOT_REGISTERED,
            "keeper": "days left",
            "operator": "Send the station code",
            "staff": "Send the station code",
            "admin": "Send the station code",
        },
    ),
    # The county desk: staff and operators read any station's ledger in their scope.
    (
        "/month A-S2",
        {
            "stranger": NOT_REGISTERED,
            "keeper": OUTSIDE,
            "operator": "days left",
            "staff": "days left",
            "admin": "days left",
        },
    ),
    (
        "/month A-S3",
        {
            "stranger": NOT_REGISTERED,
            "keeper": OUTSIDE,
            "operator": OUTSIDE,
            "staff": "days left",
            "admin": "days left",
        },
    ),
    (
        "/recent B-S1",
        {
            "stranger": NOT_REGISTERED,
            "keeper": OUTSIDE,
            "operator": OUTSIDE,
            "staff": OUTSIDE,
            "admin": "No entries yet",
        },
    ),
    (
        "/history 1",
        {
            "stranger": NOT_REGISTERED,
            "keeper": "No entry #1 at your station",
            "operator": "No entry #1.",
            "staff": "No entry #1.",
            "admin": "No entry #1.",
        },
    ),
    (
        "/station A-S1",
        {
            "stranger": NOT_REGISTERED,
            "keeper": CARD,
            "operator": "Ladder",
            "staff": "Ladder",
            "admin": "Ladder",
        },
    ),
    (
        "/stations A-T2",
        {
            "stranger": NOT_REGISTERED,
            "keeper": NOT_ALLOWED,
            "operator": OUTSIDE,
            "staff": "Stations: 1",
            "admin": "Stations: 1",
        },
    ),
    (
        "/stations below",
        {
            "stranger": NOT_REGISTERED,
            "keeper": NOT_ALLOWED,
            "operator": "Stations: 2",
            "staff": "Stations: 3",
            "admin": "Stations: 4",
        },
    ),
    (
        "/shelf",
        {
            "stranger": NOT_REGISTERED,
            "keeper": "shelf is empty",
            "operator": NOT_ALLOWED,
            "staff": NOT_ALLOWED,
            "admin": NOT_ALLOWED,
        },
    ),
    (
        "查 1234",
        {
            "stranger": NOT_REGISTERED,
            "keeper": "No waiting parcel",
            "operator": NOT_ALLOWED,
            "staff": NOT_ALLOWED,
            "admin": NOT_ALLOWED,
        },
    ),
    (
        "/intake",
        {
            "stranger": NOT_REGISTERED,
            "keeper": "tracking number",
            "operator": NOT_ALLOWED,
            "staff": NOT_ALLOWED,
            "admin": NOT_ALLOWED,
        },
    ),
    (
        "代购 洗衣机 1299",
        {
            "stranger": NOT_REGISTERED,
            "keeper": "Saved",
            "operator": NOT_ALLOWED,
            "staff": NOT_ALLOWED,
            "admin": NOT_ALLOWED,
        },
    ),
    (
        "/void 1 wrong",
        {
            "stranger": NOT_REGISTERED,
            "keeper": "No entry #1 at your station",
            "operator": NOT_ALLOWED,
            "staff": NOT_ALLOWED,
            "admin": NOT_ALLOWED,
        },
    ),
    # The ladder: county staff decide inside their county, admins anywhere.
    (
        "/reinstate B-S1 整改完成",
        {
            "stranger": NOT_REGISTERED,
            "keeper": NOT_ALLOWED,
            "operator": NOT_ALLOWED,
            "staff": OUTSIDE,
            "admin": "is not removed",
        },
    ),
    (
        "/exception B-S1 2026-10 24 补录",
        {
            "stranger": NOT_REGISTERED,
            "keeper": NOT_ALLOWED,
            "operator": NOT_ALLOWED,
            "staff": OUTSIDE,
            "admin": "is not closed",
        },
    ),
    # office IM (#12): every registered person chooses where their own notices go.
    (
        "/notify_here",
        {
            "stranger": NOT_REGISTERED,
            "keeper": "come here",
            "operator": "come here",
            "staff": "come here",
            "admin": "come here",
        },
    ),
    # subsidy claims (issue 10): keepers file for their station; staff of the county review
    # and pay; operators see (and, where the policy asks, check) their township's; an admin
    # has no station to file for.
    (
        "/claim",
        {
            "stranger": NOT_REGISTERED,
            "keeper": "Which subsidy?",
            "operator": NOT_ALLOWED,
            "staff": NOT_ALLOWED,
            "admin": NOT_ALLOWED,
        },
    ),
    (
        "/claims",
        {
            "stranger": NOT_REGISTERED,
            "keeper": "You have no subsidy claims yet",
            "operator": "No claims to review",
            "staff": "No claims to review",
            "admin": "Send the county code",
        },
    ),
    (
        "/claims B",
        {
            "stranger": NOT_REGISTERED,
            "keeper": "You have no subsidy claims yet",
            "operator": "No claims to review",  # their own township's, whatever is asked
            "staff": OUTSIDE,
            "admin": "No claims to review",
        },
    ),
    (
        "/claim 1",
        {
            "stranger": NOT_REGISTERED,
            "keeper": "No claim #1",
            "operator": "No claim #1",
            "staff": "No claim #1",
            "admin": "No claim #1",
        },
    ),
    (
        "/claims_paid PAY-1 1",
        {
            "stranger": NOT_REGISTERED,
            "keeper": NOT_ALLOWED,
            "operator": NOT_ALLOWED,
            "staff": "No claim #1",
            "admin": "No claim #1",
        },
    ),
    (
        "/submit 1",
        {
            "stranger": NOT_REGISTERED,
            "keeper": "No claim #1",
            "operator": NOT_ALLOWED,
            "staff": NOT_ALLOWED,
            "admin": NOT_ALLOWED,
        },
    ),
    # The notice board (issue 11): keepers write their own board; staff revoke printed
    # codes in their county, admins anywhere.
    (
        "/profile",
        {
            "stranger": NOT_REGISTERED,
            "keeper": "Your notice board",
            "operator": NOT_ALLOWED,
            "staff": NOT_ALLOWED,
            "admin": NOT_ALLOWED,
        },
    ),
    (
        "/revoke_qr A-S3",
        {
            "stranger": NOT_REGISTERED,
            "keeper": NOT_ALLOWED,
            "operator": NOT_ALLOWED,
            "staff": QR,
            "admin": QR,
        },
    ),
    (
        "/poster B-S1",
        {
            "stranger": NOT_REGISTERED,
            "keeper": OUTSIDE,
            "operator": NOT_ALLOWED,
            "staff": OUTSIDE,
            "admin": "<document>",
        },
    ),
    (
        "/answer TS-ABCD2345 已处理",
        {
            "stranger": NOT_REGISTERED,
            "keeper": NOT_ALLOWED,
            "operator": NOT_ALLOWED,
            "staff": "No complaint has the number",
            "admin": "No complaint has the number",
        },
    ),
    (
        "/set_position B-S1",
        {
            "stranger": NOT_REGISTERED,
            "keeper": NOT_ALLOWED,
            "operator": NOT_ALLOWED,
            "staff": OUTSIDE,
            "admin": "no check-in yet",
        },
    ),
    (
        "/complaint TS-ABCD2345",
        {
            "stranger": "No complaint has the number",
            "keeper": "No complaint has the number",
            "operator": "No complaint has the number",
            "staff": "No complaint has the number",
            "admin": "No complaint has the number",
        },
    ),
    (
        "/revoke_qr B-S1",
        {
            "stranger": NOT_REGISTERED,
            "keeper": NOT_ALLOWED,
            "operator": NOT_ALLOWED,
            "staff": OUTSIDE,
            "admin": QR,
        },
    ),
    # one person, several channels (WeChat, issue 12): a code for oneself, never a stranger
    (
        "/link",
        {
            "stranger": NOT_REGISTERED,
            "keeper": "Your link code",
            "operator": "Your link code",
            "staff": "Your link code",
            "admin": "Your link code",
        },
    ),
    (
        "/link ABCD-EFGH",
        {
            "stranger": "not a valid link code",
            "keeper": "not a valid link code",
            "operator": "not a valid link code",
            "staff": "not a valid link code",
            "admin": "not a valid link code",
        },
    ),
]

CASES = [(command, role, expected) for command, row in MATRIX for role, expected in row.items()]


@pytest.mark.parametrize(
    ("command", "role", "expected"), CASES, ids=[f"{r}:{c}" for c, r, _ in CASES]
)
async def test_matrix(app, chat, people, command, role, expected):
    grant = ROLES[role]
    if grant is None:
        user = chat.user(900, "en")
    else:
        user = await people.register(900, grant[0], grant[1], language="en")
    sent = await chat.send(user, command)
    if expected == QR:
        assert any(isinstance(c, SendPhoto) for c in sent.calls), sent.text
    elif expected == "<document>":  # the notice-board poster (issue 11)
        assert any(isinstance(c, SendDocument) for c in sent.calls), sent.text
    else:
        assert expected in sent.text, sent.text
        assert not any(isinstance(c, SendPhoto) for c in sent.calls)


async def test_menu_buttons_follow_the_policy(chat, people):
    keeper = await people.register(1, Role.KEEPER, "A-S1", language="en")
    staff = await people.register(2, Role.COUNTY_STAFF, "A", language="en")
    keeper_buttons = [label for label, _ in (await chat.send(keeper, "/menu")).buttons]
    staff_buttons = [label for label, _ in (await chat.send(staff, "/menu")).buttons]
    assert any("My station" in b for b in keeper_buttons)
    assert not any("Invite" in b for b in keeper_buttons)
    assert any("Invite" in b for b in staff_buttons)


async def test_a_keeper_cannot_see_or_void_another_stations_entry(chat, people):
    other = await people.register(4, Role.KEEPER, "A-S2", language="en")
    saved = (await chat.send(other, "代购 洗衣机 1299")).text
    entry_id = saved.split("#")[1].split()[0]
    keeper = await people.register(5, Role.KEEPER, "A-S1", language="en")
    for command in (f"/history {entry_id}", f"/void {entry_id} mine now"):
        assert f"No entry #{entry_id} at your station" in (await chat.send(keeper, command)).text


async def test_forged_callback_is_checked_against_the_presser(app, chat, people):
    """Callback data are never trusted: a keeper replaying a staff invite button is refused."""
    keeper = await people.register(3, Role.KEEPER, "A-S1", language="en")
    sent = await chat.feed(chat.callback_update(keeper, "ic:A-S3:deadbeef"))
    assert NOT_ALLOWED in " ".join(sent.alerts)
    assert not any(isinstance(c, SendPhoto) for c in sent.calls)
