"""A keeper's conversation over WeChat: everything is text, choices are numbered replies.

One inbound message in, one reply text out, with the conversation's state (`dialog`, plain
JSON kept per user by the caller, in the message's transaction). The work is the core's:
binding runs `RedeemInvite`, forms run the core's form engine rendered by
`bot.services.forms.text`, one-line forms go through the core's parser, and every result is
worded by the shared presenters, so Telegram and WeChat say the same things in the same
languages. Nothing here decides a business rule.

Dialog kinds: `form` (a form session, possibly confirming), `line` (a one-line form with
an unusual amount, waiting for 1/0), `parcels` (pickup matches to choose from), `parcel`
(one parcel: 1 picked up, 2 returned), `return` (the reason of a return), `void` (a
correction waiting for 1/0), `checkin` (the station code was scanned: waiting for the
location message), `evidence` (a claim's draft taking photos until 提交; claims.py).
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Protocol

from bot.domain import commands as c
from bot.domain.board import ScanKind
from bot.domain.errors import CunzhanError, InvalidInput
from bot.domain.invites import looks_like_invite
from bot.domain.links import normalise_link_code
from bot.domain.numbers import numbered_choice
from bot.domain.one_line import parse_line, unusual_amounts
from bot.domain.roles import ROLE_LABELS
from bot.domain.shelf import parse_search
from bot.domain.text import N_
from bot.i18n import Translator, pick_language
from bot.presenters.board import checkin_text, operating_days_line, public_card, revoked_text
from bot.presenters.shelf import none_waiting, parcel_line, shelf_text
from bot.presenters.texts import entry_line, entry_saved, month_text, zone_name
from bot.services.authz import Actor
from bot.services.forms import Confirmation, Finished, Question, Session
from bot.services.forms.text import (
    CONFIRM_REPLY,
    confirmed,
    read_reply,
    render_confirmation,
    render_question,
)
from handlers.wechat import claims
from handlers.wechat.keys import request_key
from handlers.wechat.protocol import Inbound

# What a keeper types (or a menu button sends as its key) to open a form.
FORM_WORDS = {
    "intake": "intake", "入库": "intake", "ship": "ship", "寄件": "ship", "sale": "sale",
    "销售": "sale", "proxy": "proxy", "代购": "proxy", "service": "service", "代缴": "service",
}  # fmt: skip
MONTH = re.compile(r"\s*(?:month|本月|/month)(?:\s+(.*))?", re.IGNORECASE)
PERIOD = re.compile(r"[0-9]{4}-[0-9]{1,2}")
SHELF = re.compile(r"(?:shelf|待取|/shelf)\s*(\d{1,3})?")
RECENT_WORDS = {"recent", "最近", "/recent"}
HELP_WORDS = {"help", "帮助", "/help", "?", "？", "菜单", "menu", "/menu"}
CANCEL_WORDS = {"cancel", "取消", "/cancel"}
DONE_WORDS = {"done", "完成", "/done"}
SEARCH = re.compile(r"\s*(?:查询|查|找)\s*(.+)", re.DOTALL)
LINK_WORDS = {"link", "/link", "绑定"}
LINK = re.compile(r"\s*(?:/link|link|绑定)\s+(.+)", re.DOTALL | re.IGNORECASE)
LANG = re.compile(r"\s*(?:/lang|lang|语言)\s*(\S*)\s*", re.IGNORECASE)
VOID = re.compile(r"\s*(?:/void|作废)\s+(\S+)\s+(.+)", re.DOTALL)
MAX_REPLY_BYTES = 2000  # WeChat takes 2,048 bytes of text in a reply (a CJK character is 3)

NOT_REGISTERED = N_(
    "You are not registered yet. Ask your county commerce bureau (县商务局) for an invite QR "
    "code and scan it in WeChat."
)
WECHAT_HELP = N_(
    "Send: 入库 (parcel in), 寄件 (shipment), 销售 (sale), 代购 (proxy purchase), 代缴 "
    "(services), 待取 (the shelf), 本月 (this month), 最近 (latest entries), 补贴 (subsidy "
    "claim), 我的申请 (your claims), 签到 (check-in), 取消 (cancel). One-line forms work "
    "too, e.g. 入 SF1234567890 张三 1234, 取 1234, 售 脆李 20斤 400."
)
NOT_UNDERSTOOD = N_("I did not understand that. Send 帮助 for what you can type.")
NOT_HERE = N_(
    "That cannot be used here; please send text. Photos are for a waybill's number in a form "
    "and for a claim's evidence."
)
# Check-ins (the notice board's station code scanned in WeChat, then a location message).
CHECKIN_WORDS = {"签到", "checkin", "check-in", "/checkin"}
HOW_TO_CHECK_IN = N_(
    "To check in, scan your station's notice-board code with WeChat (扫一扫), then send "
    "your location (＋ → 位置)."
)
SEND_LOCATION = N_("Check-in at {station}: send your location (＋ → 位置), or 取消.")
NO_CHECKIN_WAITING = N_(
    "No check-in is waiting for a location. To check in, scan your station's notice-board "
    "code with WeChat (扫一扫), then send your location (＋ → 位置)."
)
# The same words as Telegram's (handlers/telegram/scans.py).
OTHER_STATION = N_(
    "This is the code of {station} ({code}), not your station. To check in, scan the poster "
    "at your own station."
)
BAD_LOCATION = N_("That location is not valid. Share your location again.")
INSPECT_IN_TELEGRAM = N_("Inspections of {station} are recorded in Telegram for now.")
PICK_PARCEL = N_("Reply with the number of the parcel, or 0 to cancel.")
PARCEL_ACTIONS = N_("Reply 1 if picked up, 2 to return it to the sender, 0 to cancel.")
RETURN_REASON = N_("Why is it returned? Send the reason, e.g. 拒收 (refused).")
VOID_CONFIRM = N_("Reply 1 to void it, 0 to cancel.")
PHOTO_NOT_HERE = N_("A photo cannot answer this step. Type the answer instead.")
NO_BARCODE = N_(
    "I could not read a barcode in that picture. Type the number, or take the photo again "
    "closer and sharper."
)
SEVERAL_NUMBERS = N_(
    "Several numbers found; using the first: {number}. If that is wrong, send 取消 and type it."
)
# The same words as Telegram's /link (handlers/telegram/links.py).
YOUR_CODE = N_(
    "Your link code: {code}. It works once, for 10 minutes. In the other app (WeChat or "
    "Telegram) send: 绑定 {code}"
)
LINKED = N_(
    "Linked. This account is now {name}: the same station, entries and language as on "
    "your other app."
)
ALREADY_LINKED = N_("This account is already linked to you.")
CODE_MADE = N_("A code was already made for this message; see the answer above.")


class BoundServices(Protocol):
    """`Services` joined to the message's transaction (handlers/wechat/inbound.py)."""

    forms: Any

    async def run(self, command: Any, actor: Actor) -> Any: ...

    def form_context(self, actor: Actor, language: str) -> Any: ...


@dataclass
class Turn:
    """The outcome of one message: what to answer and the conversation's new state."""

    reply: str | None
    dialog: dict[str, Any] | None
    actor: Actor


def _fit(text: str) -> str:
    """At most MAX_REPLY_BYTES of UTF-8, cut at a line where possible, marked with …"""
    if len(text.encode()) <= MAX_REPLY_BYTES:
        return text
    cut = text.encode()[: MAX_REPLY_BYTES - 4].decode(errors="ignore")
    if "\n" in cut[len(cut) // 2 :]:
        cut = cut[: cut.rindex("\n")]
    return cut + "\n…"


class Conversation:
    def __init__(
        self,
        services: BoundServices,
        actor: Actor,
        message: Inbound,
        t: Translator,
        pictured: list[str] | None = None,
        evidence: Any = None,
    ):
        self.services, self.actor, self.message, self.t = services, actor, message, t
        self.pictured = pictured  # tracking numbers read from a photographed waybill
        self.evidence = evidence  # a claim's photo, in the evidence store (None: not fetched)
        self.key = request_key(message.account, message.dedup_key)
        self.sent_at = datetime.fromtimestamp(message.created, UTC)

    async def turn(self, dialog: dict[str, Any] | None) -> Turn:
        try:
            reply, dialog = await self._turn(dialog)
        except CunzhanError as error:  # refused: the conversation stays where it was
            reply = self.t(error.text)
            if dialog and dialog.get("prompt"):
                reply += "\n" + dialog["prompt"]
        return Turn(_fit(reply) if reply else reply, dialog, self.actor)

    async def _turn(self, dialog):
        message = self.message
        if message.qr_scene is not None:
            return await self._scanned(message.qr_scene)
        if message.kind == "event":
            if message.event == "subscribe":
                return self._greeting(), None
            if message.event == "CLICK" and message.event_key:
                # A menu button is its word, typed outside any open form; a form left
                # open stays (a look at the month mid-intake), unless the button opens one.
                reply, opened = await self._text(message.event_key, None)
                return reply, opened if opened is not None else dialog
            return None, dialog  # unsubscribe, LOCATION, VIEW: nothing to say
        if message.kind == "text":
            return await self._text(message.content.strip(), dialog)
        if message.kind == "image" and self.actor.known and dialog and dialog.get("kind") == "form":
            return await self._photographed(dialog)
        if message.kind == "image" and self.actor.known and dialog and dialog["kind"] == "evidence":
            return await claims.add_evidence(self, dialog, self.evidence)
        if message.kind == "location":
            return await self._located(dialog)
        # voice, video, pictures outside a step that takes one …: nothing to do with them.
        return self.t(NOT_HERE), dialog

    async def _photographed(self, dialog):
        """A waybill photo at the tracking-number step answers it, as typing would."""
        t, numbers = self.t, self.pictured
        if numbers is None:
            return t(PHOTO_NOT_HERE) + "\n" + dialog["prompt"], dialog
        if not numbers:
            return t(NO_BARCODE) + "\n" + dialog["prompt"], dialog
        reply, dialog = await self._form_answer(numbers[0], dialog)
        if len(numbers) > 1:
            reply = t(SEVERAL_NUMBERS, number=numbers[0]) + "\n" + reply
        return reply, dialog

    # --- binding, station codes, check-ins ------------------------------------------
    async def _scanned(self, scene: str):
        """An invite binds; anything else is a notice-board station code, which the core
        reads for whoever scanned it (and refuses if it is not one)."""
        if looks_like_invite(scene):
            return await self._bind(scene), None
        return await self._station_scan(scene)

    async def _station_scan(self, payload: str):
        t = self.t
        scan = await self.services.run(c.ScanStation(payload), self.actor)
        card = scan.card
        if scan.kind is ScanKind.REVOKED:
            return revoked_text(card, scan.profile, scan.keeper_name, t), None
        if scan.kind is ScanKind.OTHER_STATION:
            return t(OTHER_STATION, station=card.name, code=card.code), None
        if scan.kind is ScanKind.CHECK_IN:
            prompt = t(SEND_LOCATION, station=card.name)
            return prompt, {"kind": "checkin", "payload": payload, "prompt": prompt}
        card_text = public_card(card, scan.profile, scan.keeper_name, t)
        if scan.kind is ScanKind.INSPECTION:
            return card_text + "\n\n" + t(INSPECT_IN_TELEGRAM, station=card.name), None
        return card_text, None

    async def _located(self, dialog):
        """A location message: the awaited check-in's, or a word on how to check in."""
        t, spot = self.t, self.message.location
        if not self.actor.known:
            return t(NOT_REGISTERED), None
        if not dialog or dialog.get("kind") != "checkin":
            return t(NO_CHECKIN_WAITING), dialog
        try:
            lat = round(Decimal(spot.latitude) * 1_000_000) if spot else None
            lon = round(Decimal(spot.longitude) * 1_000_000) if spot else None
        except (InvalidOperation, ValueError, OverflowError):  # NaN, Infinity, not a number
            lat = lon = None
        if lat is None or lon is None:
            raise InvalidInput(BAD_LOCATION)
        command = c.CheckInAtStation(dialog["payload"], lat, lon, request_key=self.key)
        return checkin_text(await self.services.run(command, self.actor), t), None

    async def _bind(self, scene: str) -> str:
        t = self.t
        name = f"微信用户{self.message.openid[-4:]}"
        redeemed = await self.services.run(
            c.RedeemInvite(
                scene, name, language=t.language, chat_id=self.message.openid,
                request_key=self.key,
            ),
            self.actor,
        )  # fmt: skip
        self.actor = redeemed.actor
        role = t(ROLE_LABELS[redeemed.role])
        if redeemed.already:
            text = t(
                "You are already registered as {role}: {place}.",
                role=role,
                place=redeemed.scope_label,
            )
        else:
            text = t(
                "Welcome, {name}! You are now registered as {role}: {place}.",
                name=redeemed.actor.display_name,
                role=role,
                place=redeemed.scope_label,
            )
        return text + "\n\n" + t(WECHAT_HELP)

    def _greeting(self) -> str:
        t = self.t
        if self.actor.known:
            return t("Hello, {name}.", name=self.actor.display_name) + "\n" + t(WECHAT_HELP)
        return (
            t("Welcome to Cunzhan 村站, the village station assistant.")
            + "\n\n"
            + t(NOT_REGISTERED)
        )

    # --- text ----------------------------------------------------------------------
    async def _text(self, text: str, dialog):
        t, word = self.t, text.lower()
        if word in HELP_WORDS:
            return (t(WECHAT_HELP) if self.actor.known else t(NOT_REGISTERED)), dialog
        if word in CANCEL_WORDS:
            return self._cancelled(dialog), None
        if word in DONE_WORDS and dialog:  # leaving a batch: what was saved stays
            saved = (dialog.get("session") or {}).get("saved", 0)
            return (t("Done: {n} saved.", n=saved) if saved else t("Done.")), None
        language = LANG.fullmatch(text)
        if language:
            return await self._language(language.group(1).lower()), dialog
        link = LINK.fullmatch(text)
        if link or (not self.actor.known and normalise_link_code(text)):
            return await self._link(link.group(1) if link else text), None
        if not self.actor.known:
            return t(NOT_REGISTERED), None
        if word in LINK_WORDS:
            made = await self.services.run(c.CreateLinkCode(request_key=self.key), self.actor)
            return t(YOUR_CODE, code=made.code) if made.code else t(CODE_MADE), dialog
        if dialog:
            return await self._in_dialog(text, dialog)
        return await self._command(text, word)

    async def _link(self, code: str) -> str:
        """This WeChat account becomes the person who asked for the code elsewhere."""
        linked = await self.services.run(
            c.RedeemLinkCode(code, chat_id=self.message.openid, request_key=self.key),
            self.actor,
        )
        self.actor = linked.actor
        self.t = Translator(pick_language(linked.actor.language, self.t.language))
        if linked.already:
            return self.t(ALREADY_LINKED)
        return self.t(LINKED, name=linked.actor.display_name) + "\n\n" + self.t(WECHAT_HELP)

    async def _language(self, choice: str) -> str:
        if choice not in ("zh", "en"):
            return self.t("Unknown language “{choice}”. Send /lang zh or /lang en.",
                          choice=choice[:20])  # fmt: skip
        if self.actor.known:
            key = request_key(self.actor.external_id, "lang", choice)
            await self.services.run(c.SetLanguage(choice, request_key=key), self.actor)
            self.actor = dataclasses.replace(self.actor, language=choice)
        self.t = Translator(choice)
        return self.t("Language set: English.")

    def _cancelled(self, dialog) -> str:
        t = self.t
        if not dialog:
            return t("Nothing to cancel.")
        if dialog.get("kind") == "evidence":
            return t(claims.DRAFT_KEPT, number=dialog["claim"])
        saved = (dialog.get("session") or {}).get("saved", 0)
        if saved:
            return t(
                "Cancelled. The {n} parcels saved before stay saved; the last one was not.",
                n=saved,
            )
        return t("Cancelled. Nothing was saved.")

    async def _command(self, text: str, word: str):
        t, run = self.t, self.services.run
        if word in FORM_WORDS:
            ctx = self.services.form_context(self.actor, t.language)
            return self._show(await self.services.forms.start(FORM_WORDS[word], ctx))
        month = MONTH.fullmatch(text)
        if month:  # 本月, 本月 2026-10, 本月 A-S1 (staff: a station in their scope)
            view = await run(_month_query(month.group(1)), self.actor)
            # As Telegram's /month: the notice board's check-ins of that month added.
            activity = c.BoardActivity(code=view.station.code, period=str(view.period))
            days = operating_days_line(await run(activity, self.actor), t)
            return month_text(view, t) + "\n" + days, None
        shelf = SHELF.fullmatch(word)
        if shelf:  # 待取, 待取 2 (the second page)
            page = max(int(shelf.group(1) or 1) - 1, 0)
            shown = shelf_text(await run(c.ShowShelf(page), self.actor), t)
            return shown, None
        if word in RECENT_WORDS:
            return await self._recent(), None
        if word in CHECKIN_WORDS:
            return t(HOW_TO_CHECK_IN), None
        if word in claims.CLAIM_WORDS:
            return await claims.start(self)
        if word in claims.LIST_WORDS:
            return await claims.listing(self), None
        submit = claims.SUBMIT.fullmatch(text)
        if submit:
            return await claims.submit(self, submit.group(1), None)
        shown = claims.SHOW.fullmatch(text)
        if shown:
            return await claims.show(self, shown.group(1)), None
        answer = claims.ANSWER.fullmatch(text)
        if answer:
            return await claims.answer(self, answer.group(1), answer.group(2))
        void = VOID.fullmatch(text)
        if void:
            return await self._void(void.group(1), void.group(2).strip())
        search = SEARCH.fullmatch(text)
        if search:
            return await self._matches(parse_search(search.group(1)))
        line = parse_line(text)
        if line is None:
            return t(NOT_UNDERSTOOD), None
        return await self._line(line, text)

    async def _line(self, line, text: str, confirmed_now: bool = False):
        t = self.t
        if isinstance(line, c.FindParcels):
            return await self._matches(line)
        unusual = unusual_amounts(line)
        if unusual and not confirmed_now:
            lines = ["⚠️ " + t(check.confirmation()) for check in unusual]
            prompt = "\n".join([*lines, t(CONFIRM_REPLY)])
            return prompt, {"kind": "line", "line": text, "key": self.key, "prompt": prompt}
        command = dataclasses.replace(line, request_key=self.key, occurred_at=self.sent_at)
        return entry_saved(await self.services.run(command, self.actor), t), None

    # --- forms -----------------------------------------------------------------------
    def _show(self, step: Question | Confirmation, head: str = ""):
        if isinstance(step, Confirmation):
            text = render_confirmation(step, self.t)
        else:
            text = render_question(step, self.t)
        choices = [ch.value for ch in step.choices] if isinstance(step, Question) else []
        dialog = {
            "kind": "form",
            "session": step.session.to_dict(),
            "choices": choices,
            "prompt": text,
        }
        return (head + "\n" + text if head else text), dialog

    async def _in_dialog(self, text: str, dialog: dict[str, Any]):
        kind = dialog.get("kind")
        if kind == "form":
            return await self._form_answer(text, dialog)
        if kind == "line":
            answer = confirmed(text)
            if answer is None:
                return dialog["prompt"], dialog
            if not answer:
                return self.t("Cancelled. Nothing was saved."), None
            self.key = dialog["key"]
            return await self._line(parse_line(dialog["line"]), dialog["line"], True)
        if kind == "parcels":
            index = numbered_choice(text, len(dialog["ids"]))
            if index is None:
                return (
                    (self.t("Cancelled. Nothing was saved."), None)
                    if text.strip() == "0"
                    else (dialog["prompt"], dialog)
                )
            return await self._one_parcel(dialog["ids"][index])
        if kind == "parcel":
            choice = text.strip()
            if choice == "1":
                return await self._close(dialog["id"], False, None), None
            if choice == "2":
                prompt = self.t(RETURN_REASON)
                return prompt, {"kind": "return", "id": dialog["id"], "prompt": prompt}
            if choice == "0":
                return self.t("Cancelled. Nothing was saved."), None
            return dialog["prompt"], dialog
        if kind == "return":
            if len(text.strip()) < 2:
                return dialog["prompt"], dialog
            return await self._close(dialog["id"], True, text.strip()[:200]), None
        if kind == "checkin":  # waiting for the location: a word does not answer it
            return dialog["prompt"], dialog
        if kind == "evidence":  # a draft taking photos: 提交 submits it; other words work
            submit = claims.SUBMIT.fullmatch(text)
            if submit:
                return await claims.submit(self, submit.group(1), dialog)
            reply, opened = await self._command(text, text.lower())
            return reply, opened if opened is not None else dialog
        if kind == "void":
            answer = confirmed(text)
            if answer is None:
                return dialog["prompt"], dialog
            if not answer:
                return self.t("This confirmation is closed: nothing more was done."), None
            command = c.VoidEntry(dialog["entry_id"], dialog["reason"], request_key=dialog["key"])
            recorded = await self.services.run(command, self.actor)
            line = entry_line(recorded.entry, self.t, recorded.timezone)
            return self.t("Voided. Correction entry:") + "\n" + line, None
        return await self._command(text, text.lower())

    async def _form_answer(self, text: str, dialog: dict[str, Any]):
        forms, t = self.services.forms, self.t
        session = Session.from_dict(dialog["session"])
        ctx = self.services.form_context(self.actor, t.language)
        if session.confirming:
            answer = confirmed(text)
            if answer is None:
                return dialog["prompt"], dialog
            if not answer:
                return self._cancelled(dialog), None
            return await self._finish(forms.finish(session))
        question = Question(session, "", [], [_StoredChoice(v) for v in dialog.get("choices", [])])
        step = await forms.answer(session, read_reply(question, text), ctx)
        if isinstance(step, Finished):
            return await self._finish(step)
        return self._show(step)

    async def _finish(self, done: Finished):
        key = request_key(self.actor.external_id, done.session.nonce)
        command = dataclasses.replace(done.command, request_key=key, occurred_at=self.sent_at)
        if isinstance(command, c.FileClaim):
            return await claims.filed(self, command)
        saved = entry_saved(await self.services.run(command, self.actor), self.t)
        if done.next_session is None:
            return saved, None
        ctx = self.services.form_context(self.actor, self.t.language)
        return self._show(await self.services.forms.question(done.next_session, ctx), saved)

    # --- the shelf, pickups ------------------------------------------------------------
    async def _matches(self, query: c.FindParcels):
        t = self.t
        found = await self.services.run(query, self.actor)
        if not found.parcels:
            return none_waiting(found, t), None
        if len(found.parcels) == 1:
            return await self._one_parcel(found.parcels[0].entry_id, found)
        parcels = found.parcels[:9]
        lines = [t("{n} parcels match. Pick one:", n=len(found.parcels))]
        lines += [f"{n}. {parcel_line(p, t, found.timezone)}" for n, p in enumerate(parcels, 1)]
        lines.append(t(PICK_PARCEL))
        prompt = "\n".join(lines)
        return prompt, {"kind": "parcels", "ids": [p.entry_id for p in parcels], "prompt": prompt}

    async def _one_parcel(self, entry_id: int, found=None):
        t = self.t
        if found is None or len(found.parcels) != 1:
            found = await self.services.run(c.FindParcels(entry_id=entry_id), self.actor)
        if not found.parcels:
            return none_waiting(found, t), None
        prompt = "\n".join(
            [
                t("Parcel found. Confirm:"),
                parcel_line(found.parcels[0], t, found.timezone),
                t(PARCEL_ACTIONS),
            ]
        )
        return prompt, {"kind": "parcel", "id": entry_id, "prompt": prompt, "key": self.key}

    async def _close(self, entry_id: int, returned: bool, reason: str | None) -> str:
        command = c.CloseParcel(entry_id, returned=returned, reason=reason, request_key=self.key)
        return entry_saved(await self.services.run(command, self.actor), self.t)

    # --- corrections -------------------------------------------------------------------
    async def _recent(self) -> str:
        t = self.t
        entries = await self.services.run(c.RecentEntries(10), self.actor)
        if not entries.entries:
            return t("No entries yet this month.")
        zone = entries.timezone
        lines = [t("Latest entries (newest first, {zone}):", zone=zone_name(zone, t))]
        lines += [entry_line(e, t, zone, entries.names) for e in entries.entries]
        lines.append(t("To correct one, send: 作废 <number> <reason>."))
        return "\n".join(lines)

    async def _void(self, number: str, reason: str):
        t = self.t
        if not number.isdigit():
            raise InvalidInput(N_("Write it like: 作废 12 金额输错 — the entry number and why."))
        if len(reason) < 2:
            raise InvalidInput(
                N_("Give a reason for the correction, e.g. 金额输错 (wrong amount).")
            )
        entry_id = int(number)
        preview = await self.services.run(c.PreviewVoid(entry_id), self.actor)
        line = entry_line(preview.entries[0], t, preview.timezone, preview.names)
        prompt = "\n".join(
            [
                t(
                    "Void this entry? A reversal entry will be written (reason: {reason}).",
                    reason=reason,
                ),
                line,
                t(VOID_CONFIRM),
            ]
        )
        dialog = {"kind": "void", "entry_id": entry_id, "reason": reason, "key": self.key}
        return prompt, {**dialog, "prompt": prompt}


@dataclass(frozen=True)
class _StoredChoice:
    """A choice as kept in the dialog: only its value matters for reading a number."""

    value: str
    label: str = ""


def _month_query(args: str | None) -> c.ShowMonth:
    """`本月`, `本月 2026-10`, `本月 A-S1`, `本月 A-S1 2026-10` (as Telegram's /month)."""
    code = period = None
    for word in (args or "").split():
        if PERIOD.fullmatch(word):
            year, month = word.split("-")
            period = f"{year}-{int(month):02d}"
        else:
            code = word
    return c.ShowMonth(period=period, code=code)
