"""Pure domain and core rules: no database, no aiogram."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import pytest

from bot.domain.dialogs import TOUCHED, is_stale
from bot.domain.errors import InvalidInput, NotAllowed
from bot.domain.invites import DEEP_LINK_RE, hash_token, is_well_formed, new_token
from bot.domain.roles import Place, Role, Scope, scope_covers
from bot.services.authz import Action, Actor, authorize, can
from bot.services.network import parse_code


def test_invite_tokens_are_long_random_and_deep_link_safe():
    tokens = {new_token() for _ in range(1000)}
    assert len(tokens) == 1000
    for token in tokens:
        assert DEEP_LINK_RE.match(token) and len(token) <= 64 and is_well_formed(token)
    # 32 base64url characters carry 192 bits (≥ 128 required).
    assert 32 * math.log2(64) >= 128
    assert hash_token("i_x") != hash_token("i_y") and len(hash_token("i_x")) == 64


@pytest.mark.parametrize(
    ("role", "scope", "place", "covered"),
    [
        (Role.ADMIN, Scope(), Place(2, 20, 200), True),
        (Role.COUNTY_STAFF, Scope(1), Place(1, 10, 100), True),
        (Role.COUNTY_STAFF, Scope(1), Place(2, 20, 200), False),
        (Role.TOWNSHIP_OPERATOR, Scope(1, 10), Place(1, 10, 100), True),
        (Role.TOWNSHIP_OPERATOR, Scope(1, 10), Place(1, 11, 101), False),
        (Role.TOWNSHIP_OPERATOR, Scope(1, 10), Place(1), False),
        (Role.KEEPER, Scope(1, 10, 100), Place(1, 10, 100), True),
        (Role.KEEPER, Scope(1, 10, 100), Place(1, 10, 101), False),
    ],
)
def test_scope_covers(role, scope, place, covered):
    assert scope_covers(role, scope, place) is covered


def test_authorize_checks_role_then_scope():
    keeper = Actor("telegram", "1", person_id=1, role=Role.KEEPER, scope=Scope(1, 10, 100))
    assert can(keeper, Action.VIEW_STATION) and not can(keeper, Action.INVITE_KEEPER)
    authorize(keeper, Action.VIEW_STATION, Place(1, 10, 100))
    with pytest.raises(NotAllowed, match="outside"):
        authorize(keeper, Action.VIEW_STATION, Place(1, 10, 101))
    with pytest.raises(NotAllowed, match="not allowed"):
        authorize(keeper, Action.INVITE_KEEPER, Place(1, 10, 100))
    stranger = Actor("telegram", "2")
    assert not any(can(stranger, action) for action in Action)


@pytest.mark.parametrize("raw", ["a-s1", " A-S1 ", "DEMO.S_01"])
def test_codes_are_normalised(raw):
    assert parse_code(raw) == raw.strip().upper()


@pytest.mark.parametrize("raw", ["", "a b", "站点1", "-A", "x" * 41])
def test_bad_codes_are_refused_with_an_example(raw):
    with pytest.raises(InvalidInput) as caught:
        parse_code(raw)
    assert "e.g." in caught.value.text.msgid


def test_dialog_staleness():
    now = datetime(2026, 11, 24, tzinfo=UTC)
    idle = timedelta(minutes=30)
    fresh = {TOUCHED: (now - timedelta(minutes=29)).isoformat()}
    stale = {TOUCHED: (now - timedelta(minutes=31)).isoformat()}
    assert not is_stale(fresh, now, idle) and is_stale(stale, now, idle)
    assert not is_stale({}, now, idle)
