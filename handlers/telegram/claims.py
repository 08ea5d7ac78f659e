"""Subsidy claims in Telegram: the keeper's claim form (the core's form engine), evidence
photos into the evidence store, submit, answer staff's questions; county staff's review
queue with approve / reject / ask buttons; payment marked in a batch; a station's own
statement of a month sent as the .xlsx file (/claims_statement).

Thin: every decision is the core's (bot.services.claims); texts are bot.presenters.claims.
"""

from __future__ import annotations

import asyncio
import dataclasses
import io
import re
import secrets
import tempfile
from pathlib import Path

from aiogram import Bot, F
from aiogram.filters import Command, CommandObject, StateFilter
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import BufferedInputFile, CallbackQuery, Message
from aiogram.utils.keyboard import InlineKeyboardBuilder

from adapters.evidence import EvidenceStore
from adapters.statement_xlsx import write_statement
from bot.config import Settings
from bot.domain.claims import STATE_LABELS, ClaimState, ClaimStep
from bot.domain.commands import (
    AddEvidence,
    ClaimOptions,
    DecideClaim,
    ListClaims,
    MarkClaimsPaid,
    ShowClaim,
    StationClaimStatement,
    SubmitClaim,
)
from bot.domain.errors import InvalidInput
from bot.domain.money import format_fen
from bot.domain.numbers import parse_whole_number
from bot.domain.text import N_
from bot.i18n import Translator
from bot.presenters.claims import claim_card_text, claim_head, claim_list_text
from bot.services.authz import Action, Actor, can
from bot.services.bus import Services
from bot.services.forms import Confirmation, Question, Session
from handlers.telegram.callbacks import CancelCb, FieldChoiceCb
from handlers.telegram.form_buttons import chosen, session_to_save
from handlers.telegram.forms import question_markup
from handlers.telegram.keys import message_key, press_key
from handlers.telegram.routing import Routes
from handlers.telegram.waybill import MAX_DOWNLOAD

router = Routes("claims")
FILE = {"action": Action.FILE_CLAIM}
VIEW = {"action": Action.VIEW_CLAIMS}
REVIEW = {"action": Action.REVIEW_CLAIM}
PAY = {"action": Action.PAY_CLAIM}
CHECK = {"action": Action.CHECK_CLAIM}
SHOWN = 10  # claims shown as cards with buttons per /claims
SHOW_USAGE = N_("Write it like: /claim 12 — the claim number from /claims.")
SUBMIT_USAGE = N_("Write it like: /submit 12 — the claim number from /claims.")
STATEMENT_USAGE = N_(
    "Write it like: /claims_statement 2026-10 — the month; staff add the station code: "
    "/claims_statement 2026-10 A-S1."
)
PAID_USAGE = N_(
    "Write it like: /claims_paid 2026-11-财政-0042 12 13 14 — the payment reference, then "
    "the claim numbers."
)


class ClaimDialog(StatesGroup):
    filling = State()
    confirming = State()
    evidence = State()  # data: claim
    reason = State()  # data: claim, step
    answer = State()  # data: claim


class ClaimSaveCb(CallbackData, prefix="cs"):
    nonce: str


class ClaimReviewCb(CallbackData, prefix="cr"):
    """A reviewer's button on a claim card; `nonce` names the card it was on."""

    claim: int
    step: str
    nonce: str


class ClaimAnswerCb(CallbackData, prefix="ca"):
    claim: int


# --- the claim form --------------------------------------------------------------------


async def _show(bot: Bot, chat_id: int, state: FSMContext, step, t: Translator) -> None:
    if isinstance(step, Question):
        await state.set_state(ClaimDialog.filling)
        await state.set_data(
            {"session": step.session.to_dict(), "choices": [c.value for c in step.choices]}
        )
        text = "\n\n".join(t(line) for line in step.lines)
        await bot.send_message(chat_id, text, reply_markup=question_markup(step, t))
        return
    assert isinstance(step, Confirmation)
    await state.set_state(ClaimDialog.confirming)
    await state.set_data({"session": step.session.to_dict(), "choices": []})
    builder = InlineKeyboardBuilder()
    builder.button(text=t("✅ Save"), callback_data=ClaimSaveCb(nonce=step.session.nonce))
    builder.button(text=t("✖ Cancel"), callback_data=CancelCb())
    text = "\n".join(t(line) for line in step.lines)
    await bot.send_message(chat_id, text, reply_markup=builder.as_markup())


async def _take(bot, chat_id, state, text, services: Services, actor, t) -> None:
    session = Session.from_dict((await state.get_data())["session"])
    ctx = services.form_context(actor, t.language)
    await _show(bot, chat_id, state, await services.forms.answer(session, text, ctx), t)


@router.message(Command("claim"), F.text.regexp(r"^/claim(@\w+)?\s+\S"), flags=VIEW)
async def show_claim(
    message: Message, command: CommandObject, actor: Actor, t: Translator, services: Services
) -> None:
    number = parse_whole_number((command.args or "").strip(), SHOW_USAGE)
    card = await services.run(ShowClaim(number), actor)
    await message.answer(claim_card_text(card, t, history=True))


@router.message(Command("claim"), flags=FILE)
async def start_claim(
    message: Message, state: FSMContext, bot: Bot, actor: Actor, t: Translator, services
) -> None:
    options = await services.run(ClaimOptions(), actor)
    if not options.rules:
        await message.answer(t("Your county has no subsidy rules to claim under."))
        return
    ctx = services.form_context(actor, t.language)
    await _show(bot, message.chat.id, state, await services.forms.start("claim", ctx), t)


@router.message(StateFilter(ClaimDialog.filling), F.text, flags=FILE)
async def answer_field(
    message: Message, state: FSMContext, bot: Bot, actor: Actor, t: Translator, services
) -> None:
    await _take(bot, message.chat.id, state, message.text, services, actor, t)


@router.callback_query(StateFilter(ClaimDialog.filling), FieldChoiceCb.filter(), flags=FILE)
async def choose_field(
    query: CallbackQuery,
    callback_data: FieldChoiceCb,
    state: FSMContext,
    bot: Bot,
    actor: Actor,
    t: Translator,
    services,
) -> None:
    if (choice := await chosen(query, callback_data, state, t)) is None:
        return
    user = query.from_user.id
    await _take(bot, user, state, choice, services, actor, t)
    await query.answer()


@router.callback_query(StateFilter(ClaimDialog.confirming), ClaimSaveCb.filter(), flags=FILE)
async def save_claim(
    query: CallbackQuery,
    callback_data: ClaimSaveCb,
    state: FSMContext,
    bot: Bot,
    actor: Actor,
    t: Translator,
    services: Services,
) -> None:
    if (session := await session_to_save(query, callback_data, state, t)) is None:
        return
    done = services.forms.finish(session)
    user = query.from_user.id
    command = dataclasses.replace(done.command, request_key=press_key(user, session.nonce))
    filed = await services.run(command, actor)
    await state.set_state(ClaimDialog.evidence)
    await state.set_data({"claim": filed.claim.id})
    await query.answer()
    await bot.send_message(
        user,
        t(
            "Claim #{number} saved as a draft ({amount} yuan). Send photos of receipts or "
            "waybills now (as photos, or as files to keep the original), then /submit.",
            number=filed.claim.id,
            amount=format_fen(filed.claim.amount_fen),
        ),
    )


# --- evidence and submitting --------------------------------------------------------------


def _suffix(message: Message) -> str:
    if message.document and message.document.file_name and "." in message.document.file_name:
        return "." + message.document.file_name.rsplit(".", 1)[1][:6]
    return ".jpg"


@router.message(StateFilter(ClaimDialog.evidence), F.photo | F.document, flags=FILE)
async def evidence(
    message: Message,
    state: FSMContext,
    bot: Bot,
    actor: Actor,
    t: Translator,
    services: Services,
    settings: Settings,
) -> None:
    # The largest size Telegram kept of a photo; a file is the sender's original.
    file = message.photo[-1] if message.photo else message.document
    assert file is not None
    if (file.file_size or 0) > MAX_DOWNLOAD:
        await message.answer(t("That file is too large (over 20 MB). Send a smaller one."))
        return
    buffer = io.BytesIO()
    await bot.download(file, destination=buffer)
    stored = EvidenceStore(Path(settings.evidence_dir)).put(buffer.getvalue(), _suffix(message))
    claim_id = (await state.get_data())["claim"]
    media_type = message.document.mime_type if message.document else "image/jpeg"
    added = await services.run(
        AddEvidence(
            claim_id,
            stored.sha256,
            stored.size,
            stored.path,
            media_type,
            request_key=message_key(message),
        ),
        actor,
    )
    lines = [
        t(
            "📎 Evidence {n} kept for claim #{number} ({size} KB). More, or /submit.",
            n=added.claim.evidence_count,
            number=claim_id,
            size=max(1, stored.size // 1024),
        )
    ]
    if added.also_in:
        lines.append(
            t(
                "⚠️ The same image is evidence in claim {claims}: county staff will see it.",
                claims=", ".join(f"#{n}" for n in added.also_in),
            )
        )
    await message.answer("\n".join(lines))


@router.message(StateFilter(ClaimDialog.evidence), Command("submit"), flags=FILE)
@router.message(Command("submit"), flags=FILE)
async def submit(
    message: Message,
    command: CommandObject,
    state: FSMContext,
    actor: Actor,
    t: Translator,
    services: Services,
) -> None:
    if command.args:
        number = parse_whole_number(command.args.strip(), SUBMIT_USAGE)
    else:
        number = (await state.get_data()).get("claim")
    if number is None:
        raise InvalidInput(SUBMIT_USAGE)
    filed = await services.run(SubmitClaim(number, request_key=message_key(message)), actor)
    await state.clear()
    await message.answer(
        t("Claim #{number} submitted: county staff will review it.", number=filed.claim.id)
    )


@router.callback_query(ClaimAnswerCb.filter(), flags=FILE)
async def answer_button(
    query: CallbackQuery, callback_data: ClaimAnswerCb, state: FSMContext, t: Translator
) -> None:
    await state.set_state(ClaimDialog.answer)
    await state.set_data({"claim": callback_data.claim})
    await query.answer()
    await query.bot.send_message(
        query.from_user.id,
        t("Write your answer to the question on claim #{number}:", number=callback_data.claim),
    )


@router.message(StateFilter(ClaimDialog.answer), F.text, flags=FILE)
async def answer_text(
    message: Message, state: FSMContext, actor: Actor, t: Translator, services: Services
) -> None:
    claim_id = (await state.get_data())["claim"]
    command = SubmitClaim(claim_id, note=message.text, request_key=message_key(message))
    filed = await services.run(command, actor)
    await state.clear()
    await message.answer(
        t("Answer sent: claim #{number} is submitted again.", number=filed.claim.id)
    )


# --- lists and review --------------------------------------------------------------------


@router.message(Command("claims_statement"), flags=VIEW)
async def station_statement(
    message: Message,
    command: CommandObject,
    bot: Bot,
    actor: Actor,
    t: Translator,
    services: Services,
) -> None:
    """A station's own statement as the .xlsx file the county's has (same writer)."""
    words = (command.args or "").split()
    if not words or len(words) > 2:
        await message.answer(t(STATEMENT_USAGE))
        return
    statement = await services.run(StationClaimStatement(*words), actor)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "statement.xlsx"
        lines = await write_statement(statement, path, t)  # streams from the update's uow
        data = await asyncio.to_thread(path.read_bytes)
    await bot.send_document(
        message.chat.id,
        BufferedInputFile(data, filename=f"{statement.station_code}-{statement.period}.xlsx"),
        caption=t(
            "Subsidy statement of {station} for {month}: {claims} claim(s), {approved} yuan "
            "approved, {lines} parcel line(s).",
            station=statement.station_code,
            month=statement.period,
            claims=len(statement.claims),
            approved=format_fen(statement.approved_fen),
            lines=lines,
        ),
    )


@router.message(Command("claims"), flags=VIEW)
async def claims(
    message: Message,
    command: CommandObject,
    bot: Bot,
    actor: Actor,
    t: Translator,
    services: Services,
) -> None:
    words = (command.args or "").split()
    # A state by its code (`submitted`) or as the reader's screens name it (`已提交`).
    states = {s.value: s.value for s in ClaimState}
    states |= {t(STATE_LABELS[s]): s.value for s in ClaimState}
    state = next((states[w] for w in words if w in states), None)
    period = next((w for w in words if re.fullmatch(r"\d{4}-\d{2}", w)), None)
    county = next((w for w in words if w not in states and w != period), None)
    found = await services.run(ListClaims(county, state, period), actor)
    if actor.scope.station_id is not None:
        await message.answer(claim_list_text(found, t, empty=N_("You have no subsidy claims yet.")))
        for card in found.cards:
            if card.claim.state is ClaimState.NEEDS_INFO:
                builder = InlineKeyboardBuilder()
                builder.button(
                    text=t("✍️ Answer #{number}", number=card.claim.id),
                    callback_data=ClaimAnswerCb(claim=card.claim.id),
                )
                await message.answer(claim_card_text(card, t), reply_markup=builder.as_markup())
        return
    await message.answer(claim_list_text(found, t, empty=N_("No claims to review.")))
    for card in found.cards[:SHOWN]:
        markup = None
        if card.claim.state is ClaimState.SUBMITTED:
            nonce = secrets.token_hex(4)
            builder = InlineKeyboardBuilder()
            steps = (
                ((ClaimStep.APPROVE, t("✅ Approve")),
                 (ClaimStep.REJECT, t("✖ Reject")),
                 (ClaimStep.ASK_INFO, t("❓ Ask")))
                if can(actor, Action.REVIEW_CLAIM)
                else ((ClaimStep.CHECK, t("✔ Checked")),)
            )  # fmt: skip
            for step, label in steps:
                builder.button(
                    text=label,
                    callback_data=ClaimReviewCb(claim=card.claim.id, step=step.value, nonce=nonce),
                )
            markup = builder.as_markup()
        await bot.send_message(message.chat.id, claim_card_text(card, t), reply_markup=markup)


@router.callback_query(ClaimReviewCb.filter(F.step == ClaimStep.APPROVE.value), flags=REVIEW)
async def approve(
    query: CallbackQuery,
    callback_data: ClaimReviewCb,
    actor: Actor,
    t: Translator,
    services: Services,
) -> None:
    user = query.from_user.id
    key = press_key(user, callback_data.nonce, callback_data.claim, "approve")
    decided = await services.run(
        DecideClaim(callback_data.claim, "approve", request_key=key), actor
    )
    await query.answer()
    text = t("Approved: {head}", head=claim_head(decided.claim, decided.claim.rule_code, t))
    if decided.replay:
        text = t("Already approved by this button: claim #{number}.", number=decided.claim.id)
    await query.bot.send_message(user, text)


@router.callback_query(ClaimReviewCb.filter(F.step == ClaimStep.CHECK.value), flags=CHECK)
async def township_check(
    query: CallbackQuery,
    callback_data: ClaimReviewCb,
    actor: Actor,
    t: Translator,
    services: Services,
) -> None:
    user = query.from_user.id
    key = press_key(user, callback_data.nonce, callback_data.claim, "check")
    await services.run(DecideClaim(callback_data.claim, "check", request_key=key), actor)
    await query.answer()
    await query.bot.send_message(
        user,
        t("Checked: claim #{number} goes on to county staff.", number=callback_data.claim),
    )


@router.callback_query(ClaimReviewCb.filter(), flags=REVIEW)
async def ask_reason(
    query: CallbackQuery, callback_data: ClaimReviewCb, state: FSMContext, t: Translator
) -> None:
    await state.set_state(ClaimDialog.reason)
    await state.set_data({"claim": callback_data.claim, "step": callback_data.step})
    await query.answer()
    prompt = (
        t("Write the reason for rejecting claim #{number}:", number=callback_data.claim)
        if callback_data.step == ClaimStep.REJECT.value
        else t(
            "Write your question to the keeper about claim #{number}:", number=callback_data.claim
        )
    )
    await query.bot.send_message(query.from_user.id, prompt)


@router.message(StateFilter(ClaimDialog.reason), F.text, flags=REVIEW)
async def decide_with_reason(
    message: Message, state: FSMContext, actor: Actor, t: Translator, services: Services
) -> None:
    data = await state.get_data()
    command = DecideClaim(
        data["claim"], data["step"], message.text or "", request_key=message_key(message)
    )
    decided = await services.run(command, actor)
    await state.clear()
    if decided.claim.state is ClaimState.REJECTED:
        await message.answer(
            t("Rejected: claim #{number}. The keeper is told.", number=decided.claim.id)
        )
    else:
        await message.answer(
            t(
                "Question sent: claim #{number} waits for the keeper's answer.",
                number=decided.claim.id,
            )
        )


@router.message(Command("claims_paid"), flags=PAY)
async def claims_paid(
    message: Message, command: CommandObject, actor: Actor, t: Translator, services: Services
) -> None:
    words = (command.args or "").split()
    if len(words) < 2:
        raise InvalidInput(PAID_USAGE)
    numbers = tuple(parse_whole_number(w, PAID_USAGE) for w in words[1:])
    paid = await services.run(
        MarkClaimsPaid(numbers, words[0], request_key=message_key(message)), actor
    )
    total = sum(c.amount_fen for c in paid.claims)
    await message.answer(
        t(
            "Marked paid with reference {ref}: {n} claim(s), {amount} yuan.",
            ref=paid.payment_ref,
            n=len(paid.claims),
            amount=format_fen(total),
        )
    )
