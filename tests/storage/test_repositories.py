"""The repository contract, repository by repository, on SQLite, PostgreSQL and memory.

What each port promises that a service relies on: which writes are idempotent by a natural
key (and answer None or False on a repeat), which are compare-and-set, the order results
come in, what a missing row gives back. The in-memory backend must pass every line here, so
a service test on it says what the service does on SQL.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy.exc import IntegrityError

from bot.domain.ledger import EntryKind
from bot.domain.roles import Role, Scope
from bot.services.ports import DecisionRow, ScoreRow
from storage.memory import IntegrityError as MemoryIntegrityError
from tests.support.backends import count, seed_network, table_rows, update_rows

NOW = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)
REFUSED = (IntegrityError, MemoryIntegrityError)  # what a broken unique constraint raises


@pytest.fixture
async def net(uow_factory):
    return await seed_network(uow_factory)


async def person(uow_factory, name: str, chat: str | None = None, lang: str | None = "zh"):
    async with uow_factory(write=True) as uow:
        person_id = await uow.people.add_person(name, lang, NOW)
        await uow.people.link_identity(person_id, "telegram", name, chat or name, NOW)
        await uow.commit()
    return person_id


# --- the unit of work ------------------------------------------------------------------


async def test_changes_are_kept_only_when_committed(uow_factory, net):
    async with uow_factory(write=True) as uow:
        await uow.people.add_person("gone", None, NOW)  # never committed
    with pytest.raises(RuntimeError):
        async with uow_factory(write=True) as uow:
            await uow.people.add_person("failed", None, NOW)
            raise RuntimeError("the use case failed")
    async with uow_factory(write=True) as uow:
        kept = await uow.people.add_person("kept", None, NOW)
        await uow.commit()
    assert [p["display_name"] for p in await table_rows(uow_factory, "people")] == ["kept"]
    async with uow_factory(write=True) as uow:
        await uow.people.set_language(kept, "en")
        await uow.commit()
        # After commit the unit of work goes on and sees its own data.
        await uow.people.link_identity(kept, "telegram", "k", "k", NOW)
        assert await uow.people.chat_ids(kept, "telegram") == ["k"]
    assert (await table_rows(uow_factory, "people"))[0]["language"] == "en"
    assert await count(uow_factory, "identities") == 0  # the second change was not committed


async def test_concurrent_writers_lose_no_update(uow_factory, net):
    async def take() -> int:
        async with uow_factory(write=True) as uow:
            await uow.audit.record(at=NOW, actor_person_id=None, action="x", subject="s")
            await asyncio.sleep(0)  # give the others a chance to interleave
            seq = await uow.ledger.next_pickup_seq(net.station_a1)
            await uow.commit()
        return seq

    taken = await asyncio.gather(*(take() for _ in range(8)))
    assert sorted(taken) == list(range(8))
    assert await count(uow_factory, "audit_log") == 8


async def test_naive_datetimes_are_refused_and_instants_come_back_in_utc(uow_factory, net):
    with pytest.raises(Exception, match="naive"):
        async with uow_factory(write=True) as uow:
            await uow.people.add_person("naive", None, datetime(2026, 1, 1))
            await uow.commit()
    beijing = datetime.fromisoformat("2026-11-24T10:00:00+08:00")
    await update_rows(uow_factory, "counties", {"code": "A"}, created_at=beijing)
    async with uow_factory() as uow:
        created = await uow.policies.county_created_at(net.county_a)
    assert created == NOW and created.tzinfo is not None and created.utcoffset() == timedelta(0)


# --- network ---------------------------------------------------------------------------


async def test_network_look_ups_and_pages(uow_factory, net):
    async with uow_factory() as uow:
        n = uow.network
        assert [c.code for c in await n.counties()] == ["A", "B"]
        assert (await n.county_by_code("A")).id == net.county_a
        assert (await n.county_by_id(net.county_b)).code == "B"
        assert await n.county_by_code("Z") is None and await n.county_by_id(999) is None
        assert (await n.township_by_code("A-T2")).county_id == net.county_a
        assert (await n.township_by_id(net.township_a1)).name == "东乡"
        assert await n.township_by_code("Z") is None and await n.township_by_id(999) is None
        card = await n.station_by_code("A-S1")
        assert (card.latitude, card.longitude) == ("29.123456", "106.654321")
        assert (card.village_name, card.township_name, card.county_code) == (
            "桃园村",
            "东乡",
            "A",
        )
        assert card.opened_on == date(2025, 3, 1) and card.county_timezone == "Asia/Shanghai"
        assert (await n.station_by_id(net.station_a2)).tier == "demonstration"
        assert await n.station_by_code("Z") is None and await n.station_by_id(999) is None
        page, total = await n.stations(county_id=net.county_a, limit=2)
        assert [c.code for c in page] == ["A-S1", "A-S2"] and total == 3
        page, total = await n.stations(county_id=net.county_a, limit=2, offset=2)
        assert [c.code for c in page] == ["A-S3"] and total == 3
        page, total = await n.stations(township_id=net.township_a2)
        assert [c.code for c in page] == ["A-S3"] and total == 1
        page, total = await n.stations(station_id=net.station_b1)
        assert [c.code for c in page] == ["B-S1"] and total == 1
        assert [c.code for c in (await n.stations())[0]] == ["A-S1", "A-S2", "A-S3", "B-S1"]


# --- people, invites, audit ------------------------------------------------------------


async def test_people_identities_and_one_live_grant(uow_factory, net):
    keeper = await person(uow_factory, "10", chat="c10")
    async with uow_factory(write=True) as uow:
        assert (await uow.people.by_identity("telegram", "10")).grant is None
        scope = Scope(net.county_a, net.township_a1, net.station_a1)
        grant = await uow.people.add_grant(
            keeper, Role.KEEPER, scope, granted_by=None, invite_id=None, now=NOW
        )
        await uow.people.link_identity(keeper, "wechat", "o-10", None, NOW)
        await uow.commit()
    async with uow_factory() as uow:
        found = await uow.people.by_identity("telegram", "10")
        assert (found.id, found.display_name, found.language) == (keeper, "10", "zh")
        assert (found.grant.id, found.grant.role, found.grant.scope) == (grant, Role.KEEPER, scope)
        assert (await uow.people.by_identity("wechat", "o-10")).id == keeper
        assert await uow.people.by_identity("telegram", "nobody") is None
        assert await uow.people.chat_ids(keeper, "telegram") == ["c10"]
        assert await uow.people.chat_ids(keeper, "wechat") == []  # no chat id there
    with pytest.raises(REFUSED):  # uq_role_grants_live_person
        async with uow_factory(write=True) as uow:
            await uow.people.add_grant(
                keeper, Role.ADMIN, Scope(), granted_by=None, invite_id=None, now=NOW
            )
    with pytest.raises(REFUSED):  # uq_identities_channel_external
        async with uow_factory(write=True) as uow:
            await uow.people.link_identity(keeper, "telegram", "10", "again", NOW)


async def test_invites_request_keys_labels_and_one_redemption(uow_factory, net):
    scope = Scope(net.county_a, net.township_a1, net.station_a1)
    async with uow_factory(write=True) as uow:

        async def add(token: str, scope: Scope, key: str | None):
            return await uow.invites.add(
                token_hash=token,
                role=Role.KEEPER,
                scope=scope,
                created_by=None,
                created_at=NOW,
                expires_at=NOW + timedelta(hours=1),
                request_key=key,
            )

        first = await add("h1", scope, "tap")
        assert first is not None
        assert await add("h2", scope, "tap") is None  # the same tap: nothing new
        assert await add("h3", Scope(net.county_a, net.township_a2), None) is not None
        assert await add("h4", Scope(net.county_b), None) is not None
        assert await add("h5", Scope(), None) is not None  # keys may repeat when None
        await uow.commit()
    reader = await person(uow_factory, "11")
    async with uow_factory(write=True) as uow:
        record = await uow.invites.by_hash("h1")
        assert (record.id, record.role, record.scope) == (first, Role.KEEPER, scope)
        assert record.redeemed_at is None and record.expires_at == NOW + timedelta(hours=1)
        labels = [(await uow.invites.by_hash(h)).scope_label for h in ("h1", "h3", "h4", "h5")]
        assert labels == ["桃园村服务站 (A-S1)", "西乡 (A-T2)", "乙县 (B)", ""]
        assert await uow.invites.by_hash("nope") is None
        assert await uow.invites.mark_redeemed(first, reader, NOW)
        assert not await uow.invites.mark_redeemed(first, reader, NOW)  # compare-and-set
        await uow.commit()
    async with uow_factory() as uow:
        record = await uow.invites.by_hash("h1")
    assert (record.redeemed_at, record.redeemed_by) == (NOW, reader)
    assert await count(uow_factory, "invites") == 4


async def test_audit_entries_by_prefix_in_order(uow_factory, net):
    async with uow_factory(write=True) as uow:
        for n, subject in enumerate(["invite:1", "station:A-S1", "invite:2", "invite:3"]):
            await uow.audit.record(
                at=NOW,
                actor_person_id=None,
                action=f"a{n}",
                subject=subject,
                details={"when": date(2026, 11, 1), "z": 1, "a": "中"} if n == 0 else None,
            )
        await uow.commit()
    async with uow_factory() as uow:
        invites = await uow.audit.entries("invite:")
        assert [e["action"] for e in invites] == ["a0", "a2", "a3"]
        assert invites[0]["details"] == {"a": "中", "when": "2026-11-01", "z": 1}
        assert invites[1]["details"] == {} and invites[0]["at"] == NOW
        assert [e["subject"] for e in await uow.audit.entries(limit=2)] == [
            "invite:1",
            "station:A-S1",
        ]


# --- the ledger ------------------------------------------------------------------------


def entry(station: int, key: str, kind=EntryKind.PROXY_PURCHASE, period="2026-11", **values):
    return {
        "station_id": station,
        "kind": kind.value,
        "period": period,
        "occurred_at": NOW,
        "recorded_at": NOW,
        "recorded_by": None,
        "source": "telegram",
        "request_key": key,
        **values,
    }


async def test_entries_are_unique_by_request_key_and_reversed_once(uow_factory, net):
    s1 = net.station_a1
    async with uow_factory(write=True) as uow:
        product = await uow.ledger.add_product(net.county_a, "脆李", None, NOW)
        assert await uow.ledger.add_product(net.county_a, "脆李", None, NOW) == product
        await uow.ledger.add_product(net.county_a, "蜂蜜", None, NOW)
        await uow.ledger.add_product(net.county_b, "茶", None, NOW)
        sale = await uow.ledger.add_entry(
            entry(s1, "s", EntryKind.UPSTREAM_SALE, amount_fen=500, product_id=product)
        )
        assert await uow.ledger.add_entry(entry(s1, "s", amount_fen=1)) is None  # a retry
        other = await uow.ledger.add_entry(entry(s1, "o", amount_fen=300, fee_fen=5))
        back = await uow.ledger.add_entry(
            entry(s1, "v", amount_fen=-300, fee_fen=-5, reverses_id=other, reason="错")
        )
        late = await uow.ledger.add_entry(entry(s1, "late", amount_fen=7, period="2026-10"))
        await uow.ledger.add_entry(entry(net.station_a2, "a2", amount_fen=9))
        await uow.commit()
    with pytest.raises(REFUSED):  # uq_ledger_reverses: reversed at most once
        async with uow_factory(write=True) as uow:
            await uow.ledger.add_entry(entry(s1, "v2", amount_fen=-300, reverses_id=other))
    async with uow_factory() as uow:
        ledger = uow.ledger
        assert await ledger.product_id(net.county_a, "蜂蜜") is not None
        assert await ledger.product_id(net.county_b, "蜂蜜") is None
        assert await ledger.products(net.county_a) == ["脆李", "蜂蜜"]  # in the order added
        found = await ledger.entry_by_request_key("s")
        assert (found.id, found.kind, found.product, found.amount_fen) == (
            sale,
            EntryKind.UPSTREAM_SALE,
            "脆李",
            500,
        )
        assert await ledger.entry_by_request_key("nope") is None
        assert await ledger.entry(999_999) is None
        assert (await ledger.entry(other)).reversed_by_id == back
        assert (await ledger.entry(back)).is_reversal and (await ledger.entry(back)).reason == "错"
        assert [e.id for e in await ledger.related(other)] == [back]
        recent = await ledger.recent(s1)  # newest first, reversals left out
        assert [e.id for e in recent] == [late, other, sale]
        assert len(await ledger.recent(s1, limit=1)) == 1
        totals = await ledger.period_totals(s1, "2026-11")
        assert totals == {EntryKind.UPSTREAM_SALE: (500, 0, 0), EntryKind.PROXY_PURCHASE: (0, 0, 0)}
        counts = await ledger.entry_counts(s1, "2026-11")
        assert counts == {EntryKind.UPSTREAM_SALE: 1, EntryKind.PROXY_PURCHASE: 0}
        assert await ledger.period_totals(s1, "2026-09") == {}
    stored = await table_rows(uow_factory, "ledger_entries", request_key="o")
    assert stored[0]["post_close"] in (False, 0) and stored[0]["parcel_count"] == 0


async def test_tracking_claims_are_per_station_and_direction(uow_factory, net):
    s1, s2 = net.station_a1, net.station_a2
    async with uow_factory(write=True) as uow:
        first = await uow.ledger.add_entry(entry(s1, "i1", EntryKind.PARCEL_IN))
        second = await uow.ledger.add_entry(entry(s1, "i2", EntryKind.PARCEL_IN))
        assert await uow.ledger.claim_tracking(s1, "down", "SF1", first)
        assert not await uow.ledger.claim_tracking(s1, "down", "SF1", second)
        assert await uow.ledger.claim_tracking(s1, "up", "SF1", second)
        assert await uow.ledger.claim_tracking(s2, "down", "SF1", second)
        assert (await uow.ledger.tracked_entry(s1, "down", "SF1")).id == first
        assert await uow.ledger.tracked_entry(s1, "down", "SF2") is None
        await uow.ledger.release_tracking(first)
        assert await uow.ledger.tracked_entry(s1, "down", "SF1") is None
        assert await uow.ledger.claim_tracking(s1, "down", "SF1", second)
        await uow.ledger.release_tracking(999_999)  # nothing to release: no error
        await uow.commit()
    assert await count(uow_factory, "tracking_claims", entry_id=second) == 3


async def test_the_shelf_counts_codes_and_moves_parcels_by_compare_and_set(uow_factory, net):
    s1 = net.station_a1
    async with uow_factory(write=True) as uow:
        assert [await uow.ledger.next_pickup_seq(s1) for _ in range(3)] == [0, 1, 2]
        assert await uow.ledger.next_pickup_seq(net.station_a2) == 0
        ids = []
        for n, (code, phone, hours) in enumerate(
            [("A-001", "1234", 5), ("A-002", "1234", 1), ("A-003", None, 3)]
        ):
            entry_id = await uow.ledger.add_entry(
                entry(s1, f"in{n}", EntryKind.PARCEL_IN, tracking_no=f"SF{n}", recipient_name="张")
            )
            await uow.ledger.add_parcel(entry_id, s1, code, phone, NOW - timedelta(hours=hours))
            ids.append(entry_id)
        await uow.commit()
    with pytest.raises(REFUSED):  # uq_parcels_waiting_code
        async with uow_factory(write=True) as uow:
            extra = await uow.ledger.add_entry(entry(s1, "dup", EntryKind.PARCEL_IN))
            await uow.ledger.add_parcel(extra, s1, "A-001", None, NOW)
    async with uow_factory(write=True) as uow:
        ledger = uow.ledger
        waiting = await ledger.waiting_parcels(s1)  # oldest first
        assert [p.entry_id for p in waiting] == [ids[0], ids[2], ids[1]]
        assert (waiting[0].pickup_code, waiting[0].tracking_no, waiting[0].recipient_name) == (
            "A-001",
            "SF0",
            "张",
        )
        assert [p.entry_id for p in await ledger.waiting_parcels(s1, phone_last4="1234")] == [
            ids[0],
            ids[1],
        ]
        assert [p.entry_id for p in await ledger.waiting_parcels(s1, code="A-003")] == [ids[2]]
        older = await ledger.waiting_parcels(s1, older_than=NOW - timedelta(hours=3))
        assert [p.entry_id for p in older] == [ids[0]]  # strictly older
        assert len(await ledger.waiting_parcels(s1, limit=2)) == 2
        assert await ledger.waiting_parcels(net.station_a2) == []
        assert await ledger.code_on_shelf(s1, "A-002") and not await ledger.code_on_shelf(
            s1, "A-009"
        )
        assert await ledger.set_parcel_status(
            ids[1], expect="waiting", status="picked_up", closed_by_id=None
        )
        assert not await ledger.set_parcel_status(
            ids[1], expect="waiting", status="returned", closed_by_id=None
        )
        assert not await ledger.set_parcel_status(
            999_999, expect="waiting", status="voided", closed_by_id=None
        )
        assert (await ledger.parcel(ids[1])).status == "picked_up"
        assert await ledger.parcel(999_999) is None
        assert not await ledger.code_on_shelf(s1, "A-002")
        assert await ledger.waiting_count(s1) == 2 and await ledger.waiting_count(s1 + 999) == 0
        # The code is free again: a new parcel may take it, as the partial index allows.
        again = await ledger.add_entry(entry(s1, "in9", EntryKind.PARCEL_IN, tracking_no="SF9"))
        await ledger.add_parcel(again, s1, "A-002", None, NOW)
        await uow.commit()
    assert [p["status"] for p in await table_rows(uow_factory, "parcels")] == [
        "waiting",
        "picked_up",
        "waiting",
        "waiting",
    ]


# --- monthly scoring -------------------------------------------------------------------


async def test_policies_are_versioned_per_county(uow_factory, net):
    async with uow_factory(write=True) as uow:
        assert await uow.policies.get(net.county_a) is None
        assert await uow.policies.put(net.county_a, '{"v": 1}', "cli", NOW) == 1
        assert await uow.policies.put(net.county_a, '{"v": 2}', "cli", NOW) == 2
        assert await uow.policies.put(net.county_b, '{"v": 1}', "cli", NOW) == 1
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.policies.get(net.county_a) == (2, '{"v": 2}')
        assert await uow.policies.county_created_at(net.county_a) == datetime(
            2026, 1, 1, tzinfo=UTC
        )


async def test_two_policy_loads_at_once_get_two_versions(uow_factory, net):
    """The second load waits for the first (a row lock, or SQLite's write lock) and then
    counts from its version: no two loads ever store the same version."""
    first = uow_factory(write=True)
    uow = await first.__aenter__()
    assert await uow.policies.put(net.county_a, '{"v": "a"}', "cli", NOW) == 1

    async def second_load() -> int:
        async with uow_factory(write=True) as other:
            version = await other.policies.put(net.county_a, '{"v": "b"}', "cli", NOW)
            await other.commit()
            return version

    racing = asyncio.create_task(second_load())
    await asyncio.sleep(0.2)  # the second load is now waiting on the first
    await uow.commit()
    await first.__aexit__(None, None, None)
    assert await racing == 2
    async with uow_factory() as uow:
        assert await uow.policies.get(net.county_a) == (2, '{"v": "b"}')


async def test_job_runs_are_claimed_once_and_taken_over_after_the_lease(uow_factory, net):
    def claim(uow, run_no=1, claimer="p1", now=NOW, stale_before=NOW - timedelta(minutes=30)):
        return uow.job_runs.claim(
            job="scoring",
            county_id=net.county_a,
            period="2026-10",
            run_no=run_no,
            trigger="schedule",
            claimer=claimer,
            now=now,
            stale_before=stale_before,
            reason="why" if run_no > 1 else None,
        )

    async with uow_factory(write=True) as uow:
        first = await claim(uow)
        assert first is not None
        assert await claim(uow, claimer="p2") is None  # held, lease not run out
        later = NOW + timedelta(minutes=31)
        assert (
            await claim(uow, claimer="p2", now=later, stale_before=later - timedelta(minutes=30))
            == first
        )
        assert await uow.job_runs.last_run_no("scoring", net.county_a, "2026-10") == 1
        assert not await uow.job_runs.finished("scoring", net.county_a, "2026-10")
        await uow.job_runs.finish(first, later, {"stations": 3, "名": "甲"})
        assert (
            await claim(
                uow,
                claimer="p3",
                now=later + timedelta(days=1),
                stale_before=later + timedelta(hours=1),
            )
            is None
        )
        second = await claim(uow, run_no=2)
        assert second not in (None, first)
        await uow.commit()
    async with uow_factory() as uow:
        runs = await uow.job_runs.runs("scoring", net.county_a, "2026-10")
        assert await uow.job_runs.finished("scoring", net.county_a, "2026-10")
        assert await uow.job_runs.last_run_no("scoring", net.county_a, "2026-11") == 0
        assert await uow.job_runs.runs("nudge", net.county_a, "2026-10") == []
    assert [(r["run_no"], r["claimed_by"], r["reason"]) for r in runs] == [
        (1, "p2", None),
        (2, "p1", "why"),
    ]
    assert runs[0]["finished_at"] == NOW + timedelta(minutes=31)
    assert runs[0]["summary"] == '{"stations": 3, "名": "甲"}' and runs[1]["summary"] is None
    assert set(runs[0]) == {
        "id", "job", "county_id", "period", "run_no", "trigger", "claimed_at", "claimed_by",
        "finished_at", "reason", "summary",
    }  # fmt: skip


def score(station: int, run_no: int = 1, failing: int = 0, period="2026-10") -> ScoreRow:
    return ScoreRow(
        station_id=station,
        period=period,
        run_no=run_no,
        policy_version=1,
        tier="ordinary",
        window_months=1,
        downstream_fen=0,
        upstream_fen=0,
        upstream_parcels=0,
        threshold_downstream_fen=200_000,
        threshold_upstream_fen=100_000,
        threshold_upstream_parcels=100,
        verdict="fail" if failing else "pass",
        failing_months=failing,
        ladder_step="warned" if failing else "active",
        status_before="active",
        scored_at=NOW,
    )


async def test_scores_window_totals_and_statuses(uow_factory, net):
    s1, s2, s3, b1 = net.station_a1, net.station_a2, net.station_a3, net.station_b1
    async with uow_factory(write=True) as uow:
        for key, station, kind, period, fen, parcels in [
            ("a", s1, EntryKind.PROXY_PURCHASE, "2026-10", 1000, 0),
            ("b", s1, EntryKind.UPSTREAM_SALE, "2026-09", 300, 0),
            ("c", s1, EntryKind.UPSTREAM_SHIPMENT, "2026-10", 50, 1),
            ("d", s1, EntryKind.PROXY_PURCHASE, "2026-08", 99, 0),  # outside the window
            ("e", s2, EntryKind.SERVICE, "2026-10", 5000, 0),  # a kind not counted
            ("f", b1, EntryKind.PROXY_PURCHASE, "2026-10", 7, 0),  # another county
        ]:
            values = entry(station, key, kind, period, amount_fen=fen, parcel_count=parcels)
            await uow.ledger.add_entry(values)
        await uow.scores.write([score(s1), score(s3, failing=1), score(b1)])
        await uow.scores.write([score(s3, failing=9), score(s3, run_no=2, failing=2)])
        await uow.scores.write([])
        await uow.scores.set_statuses({s3: "warned", s2: "probation"}, NOW)
        await uow.commit()
    async with uow_factory() as uow:
        stations = await uow.scores.stations(net.county_a)
        assert [(s.code, s.status) for s in stations] == [
            ("A-S1", "active"),
            ("A-S2", "probation"),
            ("A-S3", "warned"),
        ]
        assert stations[0].opened_on == date(2025, 3, 1) and stations[1].tier == "demonstration"
        totals = await uow.scores.window_totals(
            net.county_a,
            ["2026-09", "2026-10"],
            [EntryKind.PROXY_PURCHASE],
            [EntryKind.UPSTREAM_SALE, EntryKind.UPSTREAM_SHIPMENT],
            [EntryKind.UPSTREAM_SHIPMENT],
        )
        assert totals == {s1: (1000, 350, 1)}  # A-S2 had only an uncounted kind
        assert await uow.scores.failing_months(net.county_a, "2026-10") == {s1: 0, s3: 2}
        assert await uow.scores.failing_months(net.county_a, "2026-11") == {}
        # The same, read with the stations (0 for one not scored that month).
        with_failing = await uow.scores.stations(net.county_a, failing_as_of="2026-10")
        assert [(s.code, s.failing_months) for s in with_failing] == [
            ("A-S1", 0),
            ("A-S2", 0),
            ("A-S3", 2),
        ]
        assert [s.failing_months for s in stations] == [0, 0, 0]
        stored = await uow.scores.of_month(net.county_a, "2026-10")
        assert [(s["code"], s["run_no"], s["failing_months"]) for s in stored] == [
            ("A-S1", 1, 0),
            ("A-S3", 1, 1),  # the repeated row was skipped, not written over
            ("A-S3", 2, 2),
        ]
        assert stored[0]["scored_at"] == NOW and set(score(s1)) < set(stored[0])
    [row] = await table_rows(uow_factory, "stations", code="A-S3")
    assert row["updated_at"] == NOW


async def test_locks_and_exceptions(uow_factory, net):
    async with uow_factory(write=True) as uow:
        assert await uow.locks.locked_at(net.county_a, "2026-10") is None
        await uow.locks.lock(net.county_a, "2026-10", NOW, None)
        await uow.locks.lock(net.county_a, "2026-10", NOW + timedelta(days=1), None)
        assert await uow.locks.locked_at(net.county_a, "2026-10") == NOW  # the first holds
        assert await uow.locks.locked_at(net.county_b, "2026-10") is None
        until = NOW + timedelta(hours=2)
        first = await uow.locks.open_exception(net.station_a1, "2026-10", None, NOW, until, "x")
        second = await uow.locks.open_exception(net.station_a1, "2026-10", None, NOW, until, "y")
        assert first != second
        await uow.commit()
    async with uow_factory() as uow:
        is_open = uow.locks.exception_open
        assert await is_open(net.station_a1, "2026-10", NOW)
        assert await is_open(net.station_a1, "2026-10", NOW + timedelta(minutes=119))
        assert not await is_open(net.station_a1, "2026-10", NOW + timedelta(hours=2))
        assert not await is_open(net.station_a1, "2026-10", NOW - timedelta(seconds=1))
        assert not await is_open(net.station_a2, "2026-10", NOW)
        assert not await is_open(net.station_a1, "2026-09", NOW)


async def test_decisions_are_keyed_by_the_button_press(uow_factory, net):
    def row(key: str, decision: str = "keep") -> DecisionRow:
        return DecisionRow(
            station_id=net.station_a3,
            decision=decision,
            status_before="probation",
            status_after="probation",
            period="2026-10",
            reason="再看一个月",
            decided_by=None,
            decided_at=NOW,
            request_key=key,
        )

    async with uow_factory(write=True) as uow:
        assert await uow.decisions.record(row("k1"))
        assert not await uow.decisions.record(row("k1", "remove"))
        assert await uow.decisions.record(row("k2", "remove"))
        await uow.commit()
    async with uow_factory() as uow:
        found = await uow.decisions.of_station(net.station_a3)
        assert await uow.decisions.of_station(net.station_a1) == []
    assert [(d["request_key"], d["decision"]) for d in found] == [("k1", "keep"), ("k2", "remove")]
    assert found[0]["id"] < found[1]["id"] and found[0]["decided_at"] == NOW


async def test_recipients_hold_a_live_grant_in_the_county(uow_factory, net):
    keeper = await person(uow_factory, "k1", lang="zh")
    staff = await person(uow_factory, "s1", lang=None)
    other = await person(uow_factory, "k2")
    async with uow_factory(write=True) as uow:
        # No chat anywhere: still a recipient; the outbox records it undeliverable.
        no_chat = await uow.people.add_person("no chat", "en", NOW)
        grants = [
            (keeper, Role.KEEPER, Scope(net.county_a, net.township_a1, net.station_a1)),
            (staff, Role.COUNTY_STAFF, Scope(net.county_a)),
            (other, Role.KEEPER, Scope(net.county_b, None, net.station_b1)),
            (no_chat, Role.KEEPER, Scope(net.county_a, net.township_a1, net.station_a2)),
        ]
        for who, role, scope in grants:
            await uow.people.add_grant(who, role, scope, granted_by=None, invite_id=None, now=NOW)
        await uow.commit()
    async with uow_factory() as uow:
        keepers = await uow.recipients.keepers(net.county_a)
        staffs = await uow.recipients.staff(net.county_a)
        assert await uow.recipients.staff(net.county_b) == []
    assert sorted((r.person_id, r.station_id) for r in keepers) == [
        (keeper, net.station_a1),
        (no_chat, net.station_a2),
    ]
    assert [(r.person_id, r.station_id) for r in staffs] == [(staff, None)]


async def test_activity_latest_entries_and_stranded_parcels(uow_factory, net):
    s1, s2 = net.station_a1, net.station_a2
    async with uow_factory(write=True) as uow:
        ids = []
        for n, (station, hours) in enumerate([(s1, 30), (s1, 2), (s2, 1), (net.station_b1, 0)]):
            when = NOW - timedelta(hours=hours)
            values = entry(station, f"e{n}", EntryKind.PARCEL_IN, tracking_no=f"T{n}")
            ids.append(await uow.ledger.add_entry({**values, "recorded_at": when}))
            await uow.ledger.add_parcel(ids[-1], station, f"A-00{n}", None, when)
        await uow.ledger.set_parcel_status(
            ids[1], expect="waiting", status="voided", closed_by_id=None
        )
        await uow.commit()
    async with uow_factory() as uow:
        latest = await uow.activity.last_entry_at(net.county_a)
        stranded = await uow.activity.stranded(net.county_a, NOW - timedelta(minutes=30))
        assert await uow.activity.stranded(net.county_a, NOW - timedelta(hours=40)) == {}
    assert latest == {s1: NOW - timedelta(hours=2), s2: NOW - timedelta(hours=1)}
    assert {station: [dict(p) for p in found] for station, found in stranded.items()} == {
        s1: [
            {
                "station_id": s1,
                "entry_id": ids[0],
                "pickup_code": "A-000",
                "arrived_at": NOW - timedelta(hours=30),
                "recipient_name": None,
                "tracking_no": "T0",
            }
        ],
        s2: [
            {
                "station_id": s2,
                "entry_id": ids[2],
                "pickup_code": "A-002",
                "arrived_at": NOW - timedelta(hours=1),
                "recipient_name": None,
                "tracking_no": "T2",
            }
        ],
    }


# --- the outbox (the services' side: enqueue and mutes) --------------------------------


async def test_notices_are_enqueued_once_and_muted_categories_held_back(uow_factory, net):
    from bot.domain.notices import Address, Intent, Notice, NoticeAction, NoticeKind
    from bot.domain.text import Text

    keeper = await person(uow_factory, "k1")
    decide = NoticeAction(Text("Decide"), Intent.DECIDE_REMOVAL, {"station_id": 3})
    notices = [
        Notice("v:1", NoticeKind.VERDICT, {"period": "2026-10", "名": "甲"}, person_id=keeper),
        Notice("n:1", NoticeKind.NUDGE, {}, person_id=keeper),
        Notice("x:1", NoticeKind.DIALOG_EXPIRED, address=Address("telegram", "-100", "en")),
        Notice("d:1", NoticeKind.DIGEST, {}, person_id=keeper, actions=(decide,)),
    ]
    async with uow_factory(write=True) as uow:
        assert await uow.outbox.mute(keeper, "nudge", NOW)
        assert not await uow.outbox.mute(keeper, "nudge", NOW)
        assert await uow.outbox.mute(keeper, "idle", NOW)
        assert await uow.outbox.unmute(keeper, "idle")
        assert not await uow.outbox.unmute(keeper, "idle")
        assert await uow.outbox.mutes(keeper) == {"nudge"}
        assert await uow.outbox.enqueue([], NOW) == 0
        assert await uow.outbox.enqueue(notices, NOW) == 4
        assert await uow.outbox.enqueue(notices[:2], NOW) == 0  # the dedup key holds
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.outbox.mutes(keeper) == {"nudge"}
    rows = {r["dedup_key"]: r for r in await table_rows(uow_factory, "outbox")}
    assert list(rows) == ["v:1", "n:1", "x:1", "d:1"]
    assert {k: r["status"] for k, r in rows.items()} == {
        "v:1": "pending",
        "n:1": "muted",
        "x:1": "pending",  # no category: cannot be muted
        "d:1": "pending",
    }
    assert rows["v:1"]["params"] == '{"period":"2026-10","名":"甲"}'
    assert (rows["v:1"]["category"], rows["v:1"]["chat_id"], rows["v:1"]["actions"]) == (
        "verdict",
        None,
        None,
    )
    assert (rows["x:1"]["channel"], rows["x:1"]["chat_id"], rows["x:1"]["language"]) == (
        "telegram",
        "-100",
        "en",
    )
    assert rows["d:1"]["actions"] == (
        '[{"label":{"msgid":"Decide","params":{}},"intent":"decide_removal",'
        '"args":{"station_id":3}}]'
    )
    assert rows["v:1"]["attempts"] == 0 and rows["v:1"]["next_attempt_at"] == NOW
    assert rows["v:1"]["sent_at"] is None and rows["v:1"]["claimed_until"] is None


async def test_memory_refuses_a_write_unit_of_work_inside_another():
    """SQLite would wait out its busy timeout and fail; memory fails at once, not hangs."""
    from storage.memory import MemoryUnitOfWorkFactory

    uow_factory = MemoryUnitOfWorkFactory()
    async with uow_factory(write=True):
        with pytest.raises(RuntimeError, match="deadlocks"):
            async with uow_factory(write=True):
                pass
        async with uow_factory() as reader:  # reading alongside is fine
            assert await reader.network.counties() == []


async def test_memory_refuses_a_readers_write_after_another_commit():
    """A unit of work opened to read that writes anyway must not overwrite a newer commit
    (SQLite answers SQLITE_BUSY_SNAPSHOT): it fails, and the newer data stays."""
    from storage.memory import MemoryUnitOfWorkFactory, WriteConflict

    uow_factory = MemoryUnitOfWorkFactory()
    async with uow_factory() as reader:
        async with uow_factory(write=True) as writer:
            await writer.people.add_person("first", None, NOW)
            await writer.commit()
        await reader.people.add_person("stale", None, NOW)
        with pytest.raises(WriteConflict):
            await reader.commit()
    async with uow_factory() as reader:  # alone, a reader's write goes through
        await reader.people.add_person("second", None, NOW)
        await reader.commit()
    names = [p["display_name"] for p in await table_rows(uow_factory, "people")]
    assert names == ["first", "second"]
