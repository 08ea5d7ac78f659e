"""Subsidy claims through the real Dispatcher: a keeper files from the ledger's working,
adds photos and submits; county staff review in chat; every "Done when" case of issue 10:
a second claim on the same tracking numbers (at another station too), an over-cap claim,
a keeper and a foreign county's staff trying to approve, an illegal state change, a
double-tapped approve, a request for information answered, a void of a claimed entry."""

from __future__ import annotations

import hashlib
import json

import pytest
from sqlalchemy import text

from bot.bootstrap import build_app
from bot.config import Settings
from bot.domain.commands import RecordShipment
from bot.domain.roles import Role
from tests.support.network import seed_network
from tests.support.scoring import at

OCTOBER = "2026-10"
PHOTO = b"\xff\xd8\xff\xe0 receipt photo bytes"


@pytest.fixture
async def app(tmp_path, clock):
    settings = Settings(
        _env_file=None,
        database_url=f"sqlite+aiosqlite:///{tmp_path}/bot.db",
        evidence_dir=str(tmp_path / "evidence"),
    )
    application = await build_app(settings, clock=clock)
    application.net = await seed_network(application.engine)
    yield application
    await application.close()


async def rows(app, sql: str) -> list:
    async with app.engine.connect() as conn:
        return list((await conn.execute(text(sql))).mappings())


async def ship(app, clock, user, numbers, product="脆李", grams=2500):
    """Shipments logged in October by the keeper `user` (through the core, as the forms do)."""
    actor = await app.services.who("telegram", str(user.id))
    clock._now = at("2026-10-12")
    for number in numbers:
        await app.services.run(
            RecordShipment(number, product, grams, 8500, request_key=f"s:{user.id}:{number}"),
            actor,
        )


async def close_october(app, clock):
    clock._now = at("2026-11-05")
    async with app.uow(write=True) as uow:
        await uow.locks.lock(app.net.county_a, OCTOBER, clock.now(), None)
        await uow.commit()


async def file_parcel_claim(chat, keeper, *, photo=PHOTO):
    opened = await chat.send(keeper, "/claim")
    month = await chat.press(keeper, opened, "农产品上行物流补贴")
    summary = await chat.press(keeper, month, OCTOBER)
    saved = await chat.press(keeper, summary, "✅")
    number = int(saved.text.split("#")[1].split()[0])
    if photo is not None:
        await chat.send_photo(keeper, photo)
    submitted = await chat.send(keeper, "/submit")
    return number, summary, saved, submitted


async def test_keeper_files_with_working_and_evidence_staff_approves_once(app, chat, people, clock):
    keeper = await people.register(100, Role.KEEPER, "A-S1")
    staff = await people.register(200, Role.COUNTY_STAFF, "A", language="en")
    await ship(app, clock, keeper, [f"SF10000000{n:02d}" for n in range(3)])
    await ship(app, clock, keeper, ["SF2000000000"], product="手机壳")
    early = await chat.send(keeper, "/claim")
    refused = await chat.press(keeper, early, "农产品上行物流补贴")
    assert "2026-10" not in str(refused.buttons)  # October is not closed yet
    await chat.send(keeper, "/cancel")
    await close_october(app, clock)
    number, summary, saved, submitted = await file_parcel_claim(chat, keeper)
    assert "3 件 × 2.00 元 = 6.00 元，封顶 300.00 元" in summary.text, summary.text
    assert "未计入：1（不是本规则的农产品包裹）" in summary.text, summary.text
    assert "草稿" in saved.text and "已提交" in submitted.text, submitted.text
    [evidence] = await rows(app, "SELECT * FROM claim_evidence")
    assert evidence["sha256"] == hashlib.sha256(PHOTO).hexdigest()
    assert evidence["size"] == len(PHOTO) and evidence["sent_by"] is not None
    stored = app.settings.evidence_dir + "/" + evidence["path"]
    assert open(stored, "rb").read() == PHOTO  # noqa: ASYNC230 - a test reading a small file
    queue = await chat.send(staff, "/claims")
    assert f"Claim #{number}" in queue.text and "3 parcels × 2.00 yuan = 6.00 yuan" in queue.text
    assert "Evidence: 1 file(s)" in queue.text and "Budget left this year: 200,000.00" in queue.text
    approved = await chat.press(staff, queue, "Approve")
    assert "Approved" in approved.text
    again = await chat.press(staff, queue, "Approve")  # a double tap
    assert "Already approved" in again.text
    events = await rows(app, f"SELECT step FROM claim_events WHERE claim_id = {number}")
    assert [e["step"] for e in events] == ["file", "submit", "approve"]
    [notice] = await rows(app, "SELECT * FROM outbox WHERE kind = 'claim_decision'")
    assert json.loads(notice["params"])["state"] == "approved"
    # The keeper's view, and a void of an entry behind the approved claim.
    mine = await chat.send(keeper, "/claims")
    assert f"#{number}" in mine.text and "已批准" in mine.text
    [line] = await rows(app, f"SELECT entry_id FROM claim_lines WHERE claim_id = {number} LIMIT 1")
    void = await chat.send(keeper, f"/void {line['entry_id']} 输错了")
    assert f"补贴申请 #{number}" in void.text, void.text
    # Payment in a batch, and an illegal change after it.
    paid = await chat.send(staff, f"/claims_paid 2026-11-财政-0042 {number}")
    assert "Marked paid with reference 2026-11-财政-0042: 1 claim(s), 6.00 yuan" in paid.text
    illegal = await chat.send(staff, f"/claims_paid PAY-2 {number}")
    assert f'Claim #{number} is paid: "mark paid" is not possible now.' in illegal.text


async def test_keeper_and_foreign_staff_cannot_approve(app, chat, people, clock):
    keeper = await people.register(100, Role.KEEPER, "A-S1", language="en")
    staff = await people.register(200, Role.COUNTY_STAFF, "A", language="en")
    foreign = await people.register(300, Role.COUNTY_STAFF, "B", language="en")
    await ship(app, clock, keeper, ["SF1000000000"])
    await close_october(app, clock)
    await file_parcel_claim(chat, keeper)
    queue = await chat.send(staff, "/claims")
    [(_, data)] = [b for b in queue.buttons if "Approve" in b[0]]
    by_keeper = await chat.feed(chat.callback_update(keeper, data))  # a forged press
    assert "not allowed" in by_keeper.text + " ".join(by_keeper.alerts)
    by_foreign = await chat.feed(chat.callback_update(foreign, data))
    assert "outside the part of the network" in by_foreign.text + " ".join(by_foreign.alerts)
    assert "No claims to review" in (await chat.send(foreign, "/claims")).text
    states = await rows(app, "SELECT state FROM claims")
    assert [s["state"] for s in states] == ["submitted"]


async def test_the_same_tracking_numbers_at_another_station(app, chat, people, clock):
    first = await people.register(100, Role.KEEPER, "A-S1", language="en")
    second = await people.register(101, Role.KEEPER, "A-S3", language="en")
    staff = await people.register(200, Role.COUNTY_STAFF, "A", language="en")
    await ship(app, clock, first, ["SF1000000000", "SF1000000001"])
    await ship(app, clock, second, ["SF1000000000", "SF1000000009"])
    await close_october(app, clock)
    one, *_ = await file_parcel_claim(chat, first)
    two, *_ = await file_parcel_claim(chat, second, photo=None)
    queue = await chat.send(staff, "/claims")
    assert "tracking numbers also in another open claim" in queue.text
    # The buttons pressed are those of the last card: claim two, of A-S3.
    assert "Approved" in (await chat.press(staff, queue, "Approve")).text
    cards = await chat.send(staff, "/claims")
    assert f"Claim #{one}" in cards.text and f"Claim #{two}" not in cards.text
    refused = await chat.press(staff, cards, "Approve")
    said = refused.text + " ".join(refused.alerts)
    assert f"Claim #{one} cannot be approved: SF1000000000" in said, said
    assert f"already back approved claim #{two}" in said
    ask = await chat.press(staff, cards, "Reject")
    assert "reason" in ask.text
    rejected = await chat.send(staff, "运单重复")
    assert f"Rejected: claim #{one}" in rejected.text
    # Filed again, the waybill approved at the other station no longer counts.
    again = await chat.send(first, "/claim")
    month = await chat.press(first, again, "农产品上行物流补贴")
    summary = await chat.press(first, month, OCTOBER)
    assert "1 parcels × 2.00 yuan = 2.00 yuan" in summary.text, summary.text
    assert f"SF1000000000 is in approved claim #{two}" in summary.text


async def test_over_the_cap_is_trimmed_with_the_reason(app, chat, people, clock):
    keeper = await people.register(100, Role.KEEPER, "A-S1", language="en")
    await ship(app, clock, keeper, [f"YT{n:013d}" for n in range(160)])
    await close_october(app, clock)
    opened = await chat.send(keeper, "/claim")
    month = await chat.press(keeper, opened, "农产品上行物流补贴")
    summary = await chat.press(keeper, month, OCTOBER)
    assert "160 parcels × 2.00 yuan = 320.00 yuan, capped at 300.00 yuan" in summary.text
    assert "Over the cap by 20.00 yuan: trimmed to 300.00 yuan." in summary.text
    assert "over the monthly cap: trimmed" in summary.text


async def test_a_question_answered_in_chat(app, chat, people, clock):
    keeper = await people.register(100, Role.KEEPER, "A-S1", language="en")
    staff = await people.register(200, Role.COUNTY_STAFF, "A", language="en")
    await ship(app, clock, keeper, ["SF1000000000"])
    await close_october(app, clock)
    number, *_ = await file_parcel_claim(chat, keeper)
    queue = await chat.send(staff, "/claims")
    await chat.press(staff, queue, "Ask")
    sent = await chat.send(staff, "请补充运单照片")
    assert "waits for the keeper's answer" in sent.text
    [notice] = await rows(app, "SELECT params FROM outbox WHERE kind = 'claim_decision'")
    assert json.loads(notice["params"])["reason"] == "请补充运单照片"
    mine = await chat.send(keeper, "/claims")
    assert "needs information" in mine.text
    prompt = await chat.press(keeper, mine, f"Answer #{number}")
    assert "Write your answer" in prompt.text
    answered = await chat.send(keeper, "已补充照片，运单见附件")
    assert f"claim #{number} is submitted again" in answered.text
    events = await rows(app, f"SELECT step, reason FROM claim_events WHERE claim_id = {number}")
    assert [(e["step"], e["reason"]) for e in events][-2:] == [
        ("ask_info", "请补充运单照片"),
        ("submit", "已补充照片，运单见附件"),
    ]
    assert f"Claim #{number}" in (await chat.send(staff, "/claims")).text  # back in the queue


async def test_an_other_claim_needs_evidence_and_the_same_photo_is_flagged(
    app, chat, people, clock
):
    keeper = await people.register(100, Role.KEEPER, "A-S1", language="en")
    neighbour = await people.register(101, Role.KEEPER, "A-S3", language="en")
    staff = await people.register(200, Role.COUNTY_STAFF, "A", language="en")
    await close_october(app, clock)

    async def other(user, amount):
        opened = await chat.send(user, "/claim")
        month = await chat.press(user, opened, "其他补贴")
        asked = await chat.press(user, month, OCTOBER)
        assert "Amount in yuan" in asked.text
        await chat.send(user, amount)
        summary = await chat.send(user, "冷库电费十月")
        assert "Description: 冷库电费十月" in summary.text
        return await chat.press(user, summary, "Save")

    too_much = await chat.send(keeper, "/claim")
    month = await chat.press(keeper, too_much, "其他补贴")
    await chat.press(keeper, month, OCTOBER)
    await chat.send(keeper, "800")
    over = await chat.send(keeper, "冷库电费十月")
    saved = await chat.press(keeper, over, "Save")
    assert "at most 500.00 yuan" in saved.text + " ".join(saved.alerts)
    await chat.send(keeper, "/cancel")
    await other(keeper, "120")
    early = await chat.send(keeper, "/submit")
    assert "Add at least 1 photo" in early.text
    await chat.send_photo(keeper, PHOTO, as_file=True)
    assert "submitted" in (await chat.send(keeper, "/submit")).text
    await other(neighbour, "100")
    flagged = await chat.send_photo(neighbour, PHOTO)
    assert "The same image is evidence in claim #" in flagged.text
    await chat.send(neighbour, "/submit")
    queue = await chat.send(staff, "/claims")
    assert "is also evidence in claim" in queue.text
    assert "120.00 yuan requested (ceiling 500.00 yuan)" in queue.text
    # Reviewed and paid like any claim: the neighbour's (the last card) is rejected.
    await chat.press(staff, queue, "Reject")
    assert "Rejected" in (await chat.send(staff, "同一张发票重复申请")).text
    approved = await chat.press(staff, await chat.send(staff, "/claims"), "Approve")
    assert "Approved" in approved.text
    [claim] = await rows(app, "SELECT id, amount_fen FROM claims WHERE state = 'approved'")
    paid = await chat.send(staff, f"/claims_paid PAY-9 {claim['id']}")
    assert "1 claim(s), 120.00 yuan" in paid.text


async def test_the_monthly_reward_needs_no_filing_and_is_reviewed_and_paid(
    app, chat, people, clock
):
    from decimal import Decimal

    from bot.domain.commands import RecordSale
    from bot.domain.quantities import Quantity, Unit

    first = await people.register(100, Role.KEEPER, "A-S1", language="en")
    second = await people.register(101, Role.KEEPER, "A-S3", language="en")
    staff = await people.register(200, Role.COUNTY_STAFF, "A", language="en")
    clock._now = at("2026-10-12")
    for user, fen in ((first, 500_000), (second, 300_000)):
        actor = await app.services.who("telegram", str(user.id))
        sale = RecordSale("脆李", Quantity(Decimal(100), Unit.JIN), fen, request_key=f"r{fen}")
        await app.services.run(sale, actor)
    clock._now = at("2026-11-05")
    report = await app.services.due()  # scoring closes October, then the reward job runs
    assert "claim_rewards A 2026-10" in report.ran
    again = await app.services.due()
    assert not [r for r in again.ran if r.startswith("claim_rewards")]
    queue = await chat.send(staff, "/claims")
    assert "Claims: 2" in queue.text
    assert "Upstream sales 5,000.00 yuan in the month: reward 1,000.00 yuan" in queue.text
    assert "Upstream sales 3,000.00 yuan in the month: reward 500.00 yuan" in queue.text
    approved = await chat.press(staff, queue, "Approve")  # the last card: A-S3's
    assert "Approved" in approved.text
    [claim] = await rows(app, "SELECT id FROM claims WHERE state = 'approved'")
    paid = await chat.send(staff, f"/claims_paid 2026-11-财政-0042 {claim['id']}")
    assert "1 claim(s), 500.00 yuan" in paid.text
    mine = await chat.send(second, "/claims")  # the station's own statement
    assert "paid" in mine.text and "paid: 500.00 yuan" in mine.text
    notices = await rows(app, "SELECT params FROM outbox WHERE kind = 'claim_decision'")
    assert [json.loads(n["params"])["state"] for n in notices] == ["approved", "paid"]


async def test_a_township_operator_checks_before_staff_approve(app, chat, people, clock):
    from bot.services.policy import default_policy, to_json
    from bot.services.subsidy_rules import ClaimsPolicy

    policy = default_policy().model_copy(update={"claims": ClaimsPolicy(township_check=True)})
    async with app.uow(write=True) as uow:
        await uow.policies.put(app.net.county_a, to_json(policy), "test", clock.now())
        await uow.commit()
    keeper = await people.register(100, Role.KEEPER, "A-S1", language="en")
    operator = await people.register(150, Role.TOWNSHIP_OPERATOR, "A-T1", language="en")
    staff = await people.register(200, Role.COUNTY_STAFF, "A", language="en")
    await ship(app, clock, keeper, ["SF1000000000"])
    await close_october(app, clock)
    number, *_ = await file_parcel_claim(chat, keeper)
    early = await chat.press(staff, await chat.send(staff, "/claims"), "Approve")
    assert "waits for the township's check" in early.text + " ".join(early.alerts)
    queue = await chat.send(operator, "/claims")
    assert f"Claim #{number}" in queue.text and "Approve" not in str(queue.buttons)
    checked = await chat.press(operator, queue, "Checked")
    assert f"Checked: claim #{number} goes on to county staff" in checked.text
    cards = await chat.send(staff, "/claims")
    assert "✔ Checked by the township" in cards.text
    assert "Approved" in (await chat.press(staff, cards, "Approve")).text


async def test_a_keeper_gets_their_own_statement_as_xlsx_staff_a_station_in_scope(
    app, chat, people, clock
):
    import io

    import openpyxl
    from aiogram.methods import SendDocument

    from bot.domain.commands import DecideClaim

    keeper = await people.register(100, Role.KEEPER, "A-S1")
    other = await people.register(101, Role.KEEPER, "A-S3", language="en")
    staff = await people.register(200, Role.COUNTY_STAFF, "A", language="en")
    foreign = await people.register(300, Role.COUNTY_STAFF, "B", language="en")
    await ship(app, clock, keeper, [f"SF10000000{n:02d}" for n in range(3)])
    await ship(app, clock, other, ["SF2000000000"])
    await close_october(app, clock)
    mine, *_ = await file_parcel_claim(chat, keeper)
    theirs, *_ = await file_parcel_claim(chat, other)
    reviewer = await app.services.who("telegram", str(staff.id))
    for number in (mine, theirs):
        await app.services.run(DecideClaim(number, "approve", request_key=f"a{number}"), reviewer)

    def workbook(sent):
        [document] = [c for c in sent.calls if isinstance(c, SendDocument)]
        return document, openpyxl.load_workbook(io.BytesIO(document.document.data))

    sent = await chat.send(keeper, "/claims_statement 2026-10")
    document, book = workbook(sent)
    assert document.document.filename == "A-S1-2026-10.xlsx"
    assert "A-S1" in document.caption and "6.00" in document.caption, document.caption
    assert book.sheetnames == ["申请", "按规则汇总", "包裹明细"]
    claims = list(book["申请"].iter_rows(min_row=2, values_only=True))
    assert [(row[0], row[1], row[8], row[9]) for row in claims] == [(mine, "A-S1", 600, "已批准")]
    parcels = list(book["包裹明细"].iter_rows(min_row=2, values_only=True))
    assert sorted(row[3] for row in parcels) == [f"SF10000000{n:02d}" for n in range(3)]
    assert {row[1] for row in parcels} == {"A-S1"} and sum(row[8] for row in parcels) == 600

    # Staff: a station of their county, by code; not without one; not another county's.
    document, book = workbook(await chat.send(staff, "/claims_statement 2026-10 a-s3"))
    parcels = list(book["Parcels"].iter_rows(min_row=2, values_only=True))
    assert [(row[0], row[3], row[8]) for row in parcels] == [(theirs, "SF2000000000", 200)]
    unnamed = await chat.send(staff, "/claims_statement 2026-10")
    assert "Name the station after the month, e.g. 2026-10 A-S1." in unnamed.text
    for user, code in ((foreign, "A-S3"), (other, "A-S1")):  # outside their scope
        refused = await chat.send(user, f"/claims_statement 2026-10 {code}")
        assert not [c for c in refused.calls if isinstance(c, SendDocument)]
        assert "not allowed" in refused.text or "outside the part" in refused.text, refused.text
    usage = await chat.send(other, "/claims_statement")
    assert "Write it like: /claims_statement 2026-10" in usage.text
    bad = await chat.send(other, "/claims_statement 2026-13")
    assert not [c for c in bad.calls if isinstance(c, SendDocument)]
    assert "Write the month as YYYY-MM, e.g. 2026-10." in bad.text


async def test_a_clerk_filters_the_queue_by_state_in_their_own_language(app, chat, people, clock):
    keeper = await people.register(100, Role.KEEPER, "A-S1")
    clerk = await people.register(201, Role.COUNTY_STAFF, "A")  # reads Chinese
    await ship(app, clock, keeper, [f"SF10000000{n:02d}" for n in range(3)])
    await close_october(app, clock)
    number, *_ = await file_parcel_claim(chat, keeper)
    waiting = await chat.send(clerk, f"/claims 已提交 {OCTOBER}")
    assert f"#{number}" in waiting.text, waiting.text
    assert f"#{number}" in (await chat.send(clerk, "/claims submitted")).text
    none = await chat.send(clerk, "/claims 已批准")
    assert f"#{number}" not in none.text, none.text
    assert "已提交 2026-10" in (await chat.send(clerk, "/help")).text  # the example, in Chinese
