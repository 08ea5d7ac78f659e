"""Authorization, in one place.

Every update resolves to an `Actor`. Two questions are answered here and nowhere else:
may this role use this action at all (`can`), and does this actor's scope reach this place
(`authorize`)? Front ends use `can` to gate commands and menus; services call `authorize`
with the place they are about to touch.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from bot.domain.errors import NotAllowed
from bot.domain.roles import Place, Role, Scope, scope_covers
from bot.domain.text import N_


class Action(StrEnum):
    VIEW_STATION = "view_station"
    LIST_STATIONS = "list_stations"
    INVITE_KEEPER = "invite_keeper"
    INVITE_OPERATOR = "invite_operator"
    INVITE_STAFF = "invite_staff"
    INVITE_ADMIN = "invite_admin"
    RECORD_LEDGER = "record_ledger"
    VIEW_LEDGER = "view_ledger"
    DECIDE_REMOVAL = "decide_removal"
    OPEN_EXCEPTION = "open_exception"
    # subsidy claims (issue 10)
    FILE_CLAIM = "file_claim"
    VIEW_CLAIMS = "view_claims"
    REVIEW_CLAIM = "review_claim"
    PAY_CLAIM = "pay_claim"
    CHECK_CLAIM = "check_claim"
    # the notice board (issue 11)
    EDIT_PROFILE = "edit_profile"
    PRINT_POSTER = "print_poster"
    REVOKE_QR = "revoke_qr"
    CHECK_IN = "check_in"
    INSPECT = "inspect"
    ANSWER_COMPLAINT = "answer_complaint"
    CONFIRM_POSITION = "confirm_position"
    # one person, several channels (WeChat, issue 12)
    LINK_CHANNEL = "link_channel"


ROLE_ACTIONS: dict[Role, frozenset[Action]] = {
    Role.ADMIN: frozenset(Action) - {Action.RECORD_LEDGER},
    Role.COUNTY_STAFF: frozenset(
        {
            Action.VIEW_STATION,
            Action.LIST_STATIONS,
            Action.INVITE_KEEPER,
            Action.INVITE_OPERATOR,
            Action.VIEW_LEDGER,
            Action.DECIDE_REMOVAL,
            Action.OPEN_EXCEPTION,
        }
    ),
    Role.TOWNSHIP_OPERATOR: frozenset(
        {Action.VIEW_STATION, Action.LIST_STATIONS, Action.VIEW_LEDGER}
    ),
    # Only a keeper writes a station's ledger: staff see it, never type into it.
    Role.KEEPER: frozenset({Action.VIEW_STATION, Action.RECORD_LEDGER, Action.VIEW_LEDGER}),
}
# subsidy claims (issue 10): a keeper files for their own station; county staff review and
# mark paid within their county; an admin reviews anywhere but has no station to file for.
ROLE_ACTIONS[Role.ADMIN] -= {Action.FILE_CLAIM}
ROLE_ACTIONS[Role.COUNTY_STAFF] |= {Action.VIEW_CLAIMS, Action.REVIEW_CLAIM, Action.PAY_CLAIM}
ROLE_ACTIONS[Role.KEEPER] |= {Action.FILE_CLAIM, Action.VIEW_CLAIMS}
# Where the county's policy asks for it, a township operator checks claims first.
ROLE_ACTIONS[Role.TOWNSHIP_OPERATOR] |= {Action.VIEW_CLAIMS, Action.CHECK_CLAIM}
# the notice board (issue 11): only a keeper edits their board and checks in; keepers and
# staff print posters; staff revoke a printed code; staff and operators inspect.
_BOARD_ACTIONS = {
    Role.COUNTY_STAFF: {
        Action.PRINT_POSTER,
        Action.REVOKE_QR,
        Action.INSPECT,
        Action.ANSWER_COMPLAINT,
        Action.CONFIRM_POSITION,
    },
    Role.TOWNSHIP_OPERATOR: {Action.INSPECT},
    Role.KEEPER: {Action.EDIT_PROFILE, Action.PRINT_POSTER, Action.CHECK_IN},
}
ROLE_ACTIONS[Role.ADMIN] -= {Action.EDIT_PROFILE, Action.CHECK_IN}
for _role, _actions in _BOARD_ACTIONS.items():
    ROLE_ACTIONS[_role] |= _actions
# one person, several channels (WeChat, issue 12): everyone registered may link a second
# channel to themselves (the admin has every action already).
for _role in (Role.COUNTY_STAFF, Role.TOWNSHIP_OPERATOR, Role.KEEPER):
    ROLE_ACTIONS[_role] = ROLE_ACTIONS[_role] | {Action.LINK_CHANNEL}


@dataclass(frozen=True)
class Actor:
    """Who is acting. `person_id` None means an unknown user (no invite redeemed yet)."""

    channel: str
    external_id: str
    person_id: int | None = None
    display_name: str = ""
    language: str | None = None
    role: Role | None = None
    scope: Scope = field(default_factory=Scope)

    @property
    def known(self) -> bool:
        return self.person_id is not None and self.role is not None


def can(actor: Actor, action: Action) -> bool:
    return actor.role is not None and action in ROLE_ACTIONS[actor.role]


def authorize(actor: Actor, action: Action, place: Place | None = None) -> None:
    """Raise NotAllowed unless the actor's role allows `action` over `place`."""
    if not can(actor, action):
        raise NotAllowed(N_("You are not allowed to do that."))
    if place is not None and not scope_covers(actor.role, actor.scope, place):  # type: ignore[arg-type]
        raise NotAllowed(N_("That is outside the part of the network you look after."))
