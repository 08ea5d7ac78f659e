"""Subsidy claims over WeChat: the core's claim form as numbered text (chat.py runs it like
the ledger forms), evidence photos kept with `AddEvidence`, submitting, answering staff's
question, the keeper's list. The words are Telegram's (handlers/telegram/claims.py) where
they fit WeChat, so a keeper reads the same thing on both; every decision is the core's.

Evidence arrives as an image message: inbound.py downloads it at full size by its MediaId
and writes it to the evidence store *before* the message's transaction (media.py), and
hands the stored file here (`Stored`), or `None` when it could not be fetched.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from adapters.evidence import Stored
from bot.domain import commands as c
from bot.domain.claims import ClaimState
from bot.domain.errors import InvalidInput
from bot.domain.money import format_fen
from bot.domain.text import N_
from bot.presenters.claims import claim_card_text, claim_list_text

if TYPE_CHECKING:
    from handlers.wechat.chat import Conversation

CLAIM_WORDS = {"补贴", "申请补贴", "claim", "/claim"}
LIST_WORDS = {"我的申请", "申请", "claims", "/claims"}
SUBMIT = re.compile(r"\s*(?:提交|submit|/submit)(?:\s+(\S+))?\s*", re.IGNORECASE)
SHOW = re.compile(r"\s*(?:申请|claim|/claim)\s+(\d+)\s*", re.IGNORECASE)
ANSWER = re.compile(r"\s*(?:答复|/answer)\s+(\S+)\s+(.+)", re.DOTALL | re.IGNORECASE)

# The same words as Telegram's where they fit; /submit works in WeChat too.
SUBMIT_USAGE = N_("Write it like: /submit 12 — the claim number from /claims.")
NO_RULES = N_("Your county has no subsidy rules to claim under.")
DRAFT_SAVED = N_(
    "Claim #{number} saved as a draft ({amount} yuan). Send photos of receipts or waybills "
    "now, then 提交."
)
EVIDENCE_KEPT = N_("📎 Evidence {n} kept for claim #{number} ({size} KB). More, or /submit.")
SAME_IMAGE = N_("⚠️ The same image is evidence in claim {claims}: county staff will see it.")
SUBMITTED = N_("Claim #{number} submitted: county staff will review it.")
ANSWERED = N_("Answer sent: claim #{number} is submitted again.")
NO_CLAIMS = N_("You have no subsidy claims yet.")
HOW_TO_ANSWER = N_("To answer, send: 答复 {number} <your answer>")
DRAFT_KEPT = N_("Claim #{number} stays a draft: send 提交 {number} when it is ready.")
NOT_FETCHED = N_("The photo could not be fetched from WeChat. Send it again.")
ANSWER_USAGE = N_(
    "Write it like: 答复 12 the receipts are attached — the claim number, then the answer."
)


def _number(text: str, usage: str) -> int:
    if not text.isdigit():
        raise InvalidInput(usage)
    return int(text)


async def start(conv: Conversation):
    options = await conv.services.run(c.ClaimOptions(), conv.actor)
    if not options.rules:
        return conv.t(NO_RULES), None
    ctx = conv.services.form_context(conv.actor, conv.t.language)
    return conv._show(await conv.services.forms.start("claim", ctx))


def evidence_dialog(conv: Conversation, claim_id: int, reply: str) -> dict[str, Any]:
    return {"kind": "evidence", "claim": claim_id, "prompt": reply}


async def filed(conv: Conversation, command: c.FileClaim):
    """The form's FileClaim run; the draft then waits for photos and 提交."""
    result = await conv.services.run(command, conv.actor)
    claim = result.claim
    reply = conv.t(DRAFT_SAVED, number=claim.id, amount=format_fen(claim.amount_fen))
    return reply, evidence_dialog(conv, claim.id, reply)


async def add_evidence(conv: Conversation, dialog: dict[str, Any], stored: Stored | None):
    t, claim_id = conv.t, dialog["claim"]
    if stored is None:
        return t(NOT_FETCHED), dialog
    added = await conv.services.run(
        c.AddEvidence(
            claim_id, stored.sha256, stored.size, stored.path, "image/jpeg", request_key=conv.key
        ),
        conv.actor,
    )
    n = added.claim.evidence_count
    lines = [t(EVIDENCE_KEPT, n=n, number=claim_id, size=max(1, stored.size // 1024))]
    if added.also_in:
        lines.append(t(SAME_IMAGE, claims=", ".join(f"#{n}" for n in added.also_in)))
    return "\n".join(lines), dialog


async def submit(conv: Conversation, number: str | None, dialog: dict[str, Any] | None):
    """`提交` submits the draft being filled; `提交 12` names one."""
    if number is not None:
        claim_id = _number(number, SUBMIT_USAGE)
    elif dialog and dialog.get("kind") == "evidence":
        claim_id = dialog["claim"]
    else:
        raise InvalidInput(SUBMIT_USAGE)
    done = await conv.services.run(c.SubmitClaim(claim_id, request_key=conv.key), conv.actor)
    return conv.t(SUBMITTED, number=done.claim.id), None


async def answer(conv: Conversation, number: str, text: str):
    claim_id = _number(number, ANSWER_USAGE)
    command = c.SubmitClaim(claim_id, note=text.strip()[:1000], request_key=conv.key)
    done = await conv.services.run(command, conv.actor)
    return conv.t(ANSWERED, number=done.claim.id), None


async def listing(conv: Conversation) -> str:
    t = conv.t
    found = await conv.services.run(c.ListClaims(), conv.actor)
    parts = [claim_list_text(found, t, empty=NO_CLAIMS)]
    for card in found.cards:  # staff's questions, with how to answer them
        if card.claim.state is ClaimState.NEEDS_INFO:
            parts.append(claim_card_text(card, t))
            parts.append(t(HOW_TO_ANSWER, number=card.claim.id))
    return "\n\n".join(parts)


async def show(conv: Conversation, number: str) -> str:
    """`申请 12`: one claim with its history, as Telegram's `/claim 12`."""
    card = await conv.services.run(c.ShowClaim(int(number)), conv.actor)
    return claim_card_text(card, conv.t, history=True)
