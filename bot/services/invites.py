"""Onboarding invites: create one for a station, township, county or admin; redeem it.

The token is returned once, to be drawn as a QR code; only its hash is kept. Redemption is
one write transaction: the invite is marked used with a compare-and-set, so of two people
scanning the same code at once exactly one is bound.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.domain.commands import CreateInvite, RedeemInvite
from bot.domain.errors import InviteRefused, NotFound
from bot.domain.invites import hash_token, is_well_formed, new_token
from bot.domain.network import StationStatus
from bot.domain.roles import ROLE_LABELS, Place, Role, Scope
from bot.domain.text import N_
from bot.services.authz import Action, Actor, authorize
from bot.services.env import Env
from bot.services.network import parse_code, place_of
from bot.services.ports import UnitOfWork

INVITE_ACTION = {
    Role.KEEPER: Action.INVITE_KEEPER,
    Role.TOWNSHIP_OPERATOR: Action.INVITE_OPERATOR,
    Role.COUNTY_STAFF: Action.INVITE_STAFF,
    Role.ADMIN: Action.INVITE_ADMIN,
}

# The actor for CLI commands run by whoever holds the server: the bootstrap admin.
CLI_ACTOR = Actor(channel="cli", external_id="cli", role=Role.ADMIN)


@dataclass(frozen=True)
class CreatedInvite:
    token: str | None  # None when a repeated request (double tap) found the invite made
    role: Role
    scope_label: str
    expires_at: datetime

    @property
    def duplicate(self) -> bool:
        return self.token is None


async def _target(uow: UnitOfWork, actor: Actor, role: Role, code: str | None) -> tuple[Scope, str]:
    """The scope an invite grants and a label for it, after checking the actor may grant it."""
    action = INVITE_ACTION[role]
    if role is Role.ADMIN:
        authorize(actor, action)
        return Scope(), ""
    if code is None:
        raise NotFound(N_("Send the code of the place the invite is for."))
    code = parse_code(code)
    if role is Role.KEEPER:
        card = await uow.network.station_by_code(code)
        if card is None:
            raise NotFound(N_("No station has the code {code}."), code=code)
        authorize(actor, action, place_of(card))
        if card.status is StationStatus.REMOVED:
            raise InviteRefused(
                N_("Station {code} has been removed; it takes no new keeper."), code=code
            )
        return Scope(card.county_id, card.township_id, card.id), f"{card.name} ({card.code})"
    if role is Role.TOWNSHIP_OPERATOR:
        township = await uow.network.township_by_code(code)
        if township is None:
            raise NotFound(N_("No township has the code {code}."), code=code)
        authorize(actor, action, Place(township.county_id, township.id))
        return Scope(township.county_id, township.id), f"{township.name} ({township.code})"
    county = await uow.network.county_by_code(code)
    if county is None:
        raise NotFound(N_("No county has the code {code}."), code=code)
    authorize(actor, action, Place(county.id))
    return Scope(county.id), f"{county.name} ({county.code})"


async def create_invite(
    command: CreateInvite, actor: Actor, uow: UnitOfWork, env: Env
) -> CreatedInvite:
    role, ttl = command.role, env.invite_ttl
    authorize(actor, INVITE_ACTION[role])  # fail fast, before touching the database
    now = env.clock.now()
    token = new_token()
    scope, label = await _target(uow, actor, role, command.code)
    invite_id = await uow.invites.add(
        token_hash=hash_token(token),
        role=role,
        scope=scope,
        created_by=actor.person_id,
        created_at=now,
        expires_at=now + ttl,
        request_key=command.request_key or None,
    )
    if invite_id is None:
        return CreatedInvite(None, role, label, now + ttl)
    await uow.audit.record(
        at=now,
        actor_person_id=actor.person_id,
        action="invite.create",
        subject=f"invite:{invite_id}",
        details={"role": role.value, "scope": label, "via": actor.channel},
    )
    return CreatedInvite(token, role, label, now + ttl)


@dataclass(frozen=True)
class Redeemed:
    actor: Actor
    role: Role
    scope_label: str
    already: bool  # True when this person had already redeemed it (START pressed again)


async def redeem_invite(command: RedeemInvite, actor: Actor, uow: UnitOfWork, env: Env) -> Redeemed:
    channel, external_id, token = actor.channel, actor.external_id, command.token
    chat_id, display_name, language = command.chat_id, command.display_name, command.language
    if not is_well_formed(token):
        raise InviteRefused(
            N_("This invite link is not valid. Ask county staff for a new QR code.")
        )
    now = env.clock.now()
    invite = await uow.invites.by_hash(hash_token(token))
    if invite is None:
        raise InviteRefused(
            N_("This invite link is not valid. Ask county staff for a new QR code.")
        )
    person = await uow.people.by_identity(channel, external_id)
    grant = person.grant if person else None
    same_grant = grant is not None and (grant.role, grant.scope) == (invite.role, invite.scope)
    if invite.redeemed_at is not None:
        if person is not None and invite.redeemed_by == person.id and same_grant:
            return Redeemed(
                _actor(
                    channel,
                    external_id,
                    person.id,
                    person.display_name,
                    person.language,
                    invite.role,
                    invite.scope,
                ),
                invite.role,
                invite.scope_label,
                already=True,
            )
        raise InviteRefused(
            N_(
                "This invite has already been used. Each QR code works once; ask county "
                "staff for a new one."
            )
        )
    if invite.expired(now):
        raise InviteRefused(
            N_("This invite expired. Ask county staff for a new QR code."),
        )
    if grant is not None:
        if same_grant:
            # Already bound exactly so: leave this invite unused for someone else.
            return Redeemed(
                _actor(
                    channel,
                    external_id,
                    person.id,
                    person.display_name,
                    person.language,
                    invite.role,
                    invite.scope,
                ),
                invite.role,
                invite.scope_label,
                already=True,
            )
        raise InviteRefused(
            N_("You are already registered as {role}. To change that, ask county staff."),
            role=ROLE_LABELS[grant.role],
        )
    if person is None:
        person_id = await uow.people.add_person(display_name, language, now)
        await uow.people.link_identity(person_id, channel, external_id, chat_id, now)
        name, lang = display_name, language
    else:
        person_id, name, lang = person.id, person.display_name, person.language
    if not await uow.invites.mark_redeemed(invite.id, person_id, now):
        raise InviteRefused(
            N_(
                "This invite has already been used. Each QR code works once; ask county "
                "staff for a new one."
            )
        )
    await uow.people.add_grant(
        person_id, invite.role, invite.scope, granted_by=None, invite_id=invite.id, now=now
    )
    await uow.audit.record(
        at=now,
        actor_person_id=person_id,
        action="invite.redeem",
        subject=f"invite:{invite.id}",
        details={"role": invite.role.value, "scope": invite.scope_label, "via": channel},
    )
    return Redeemed(
        _actor(channel, external_id, person_id, name, lang, invite.role, invite.scope),
        invite.role,
        invite.scope_label,
        already=False,
    )


def _actor(channel, external_id, person_id, name, language, role, scope) -> Actor:
    return Actor(
        channel=channel,
        external_id=external_id,
        person_id=person_id,
        display_name=name,
        language=language,
        role=role,
        scope=scope,
    )
