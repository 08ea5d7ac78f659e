"""The step-by-step form engine, for every channel: answer in, next step out.

A form is a list of fields, each with a prompt, a parser (the same field rules the one-line
forms use) and, where it helps, choices. The engine knows no chat: it returns a
`Question` (what to ask, with choices), a `Confirmation` (a summary to accept), or
`Finished` (the command to run). Telegram renders a question as a message with buttons;
a text-only channel as text with numbered choices (`forms.text`). Claims and feedback
forms are new `FormSpec`s, not new engines.

A session is plain JSON (`Session.to_dict`), kept in the channel's dialog storage: only
what the keeper typed, parsed, never a full phone number (the phone field hashes it at
once). A bad answer raises `InvalidInput` with what to type instead; the session is not
changed, so the dialog stays on its step. The session's `nonce` is drawn when the form
starts: the front end builds the command's request key from it, so a double tap or a
redelivered press saves once.
"""

from __future__ import annotations

import dataclasses
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Protocol

from bot.domain.commands import Command
from bot.domain.ledger import EntryView
from bot.domain.money import AmountKind, check_amount
from bot.domain.quantities import Quantity, Unit
from bot.domain.text import Text
from bot.domain.unit_prices import UsualPrice, check_unit_price

Values = dict[str, Any]


class FormContext(Protocol):
    """What fields may ask of the outside world while parsing or offering choices."""

    language: str

    async def products(self) -> list[str]: ...
    async def tracked(self, tracking_no: str, direction: str) -> EntryView | None: ...
    def digest_phone(self, full_number: str) -> str: ...
    async def usual_price(self, product: str, unit: str) -> UsualPrice | None: ...

    # subsidy claims (issue 10): the claim form's rules, months and working
    async def claim_rules(self) -> list[tuple[str, str, str]]: ...
    async def claim_periods(self, rule_code: str) -> list[str]: ...
    async def claim_preview(self, rule_code: str, period: str) -> dict: ...


@dataclass(frozen=True)
class Choice:
    label: Text | str  # Text is translated for the reader; str is shown as it is (a name)
    value: str


@dataclass(frozen=True)
class Field:
    name: str
    prompt: Text
    # (text, context, values so far) -> values to merge; raises InvalidInput
    parse: Callable[[str, FormContext, Values], Awaitable[Values]]
    choices: Callable[[FormContext, Values], Awaitable[list[Choice]]] | None = None
    skip: Callable[[Values], bool] = lambda values: False
    accepts_media: bool = False  # a photo or file may answer it (decoded by the channel)
    # What the answer was read as ("识别为 顺丰速运 SF…"), shown with the next question so
    # a misread (a photo decoded wrong, a carrier guessed wrong) is seen before going on.
    read_as: Callable[[Values, FormContext], Text] | None = None
    # While the next question is open, an answer this accepts corrects this field instead
    # of answering that question: (text, context, values) -> values to merge, or None
    # when the text is not a correction (then it answers the open question as usual).
    correct: Callable[[str, FormContext, Values], Awaitable[Values | None]] | None = None


@dataclass(frozen=True)
class FormSpec:
    name: str
    title: Text
    fields: list[Field]
    build: Callable[[Values], Command]  # the finished answers as a command (no key yet)
    summary: Callable[[Values, FormContext], list[Text]]
    confirm: bool = True  # ask to confirm a summary before saving
    batch: bool = False  # after saving, start again (parcel after parcel)
    amounts: list[tuple[str, AmountKind]] = field(default_factory=list)


@dataclass(frozen=True)
class Session:
    form: str
    step: int = 0
    values: Values = field(default_factory=dict)
    nonce: str = field(default_factory=lambda: secrets.token_hex(6))
    confirming: bool = False
    saved: int = 0  # entries saved in this batch so far
    correcting: int | None = None  # the earlier field the open question may correct

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Session:
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})


@dataclass(frozen=True)
class Question:
    session: Session
    field: str
    lines: list[Text]  # what to say, the prompt last
    choices: list[Choice]
    accepts_media: bool = False
    batch: bool = False  # the form can be left with "done"


@dataclass(frozen=True)
class Confirmation:
    session: Session
    lines: list[Text]  # the summary
    warnings: list[Text]  # amounts above their usual ceiling


@dataclass(frozen=True)
class Finished:
    session: Session  # the session that produced it (its nonce names the request)
    command: Command
    # In a batch form, the fresh session for the next entry (asked after saving).
    next_session: Session | None = None


Step = Question | Confirmation | Finished


class FormEngine:
    def __init__(self, specs: dict[str, FormSpec]) -> None:
        self.specs = specs

    def spec(self, session: Session) -> FormSpec:
        return self.specs[session.form]

    async def start(
        self, name: str, ctx: FormContext, values: Values | None = None, prefix=()
    ) -> Question:
        spec = self.specs[name]
        session = Session(form=name, values=dict(values or {}))
        return await self._ask(spec, session, ctx, [spec.title, *prefix])

    async def question(self, session: Session, ctx: FormContext, prefix=()) -> Question:
        """Ask the session's current step again (after a restart, or an interruption),
        with what the previous answer was read as while it may still be corrected."""
        spec = self.spec(session)
        lines = list(prefix)
        if session.correcting is not None and not session.confirming:
            read_as = spec.fields[session.correcting].read_as
            if read_as is not None:
                lines.append(read_as(session.values, ctx))
        return await self._ask(spec, session, ctx, lines)

    async def answer(self, session: Session, text: str, ctx: FormContext) -> Step:
        """Take the answer to the current step. Raises InvalidInput (session unchanged)."""
        spec = self.spec(session)
        text = text.strip()
        answered = session.step
        corrected = await self._correction(spec, session, text, ctx)
        if corrected is not None:
            # A misread fixed: the form goes on from the corrected field, as if it had
            # been answered so the first time (the carrier question comes back or goes).
            answered = session.correcting
            values = {**session.values, **corrected}
        else:
            current = spec.fields[session.step]
            values = {**session.values, **await current.parse(text, ctx, session.values)}
        step = self._next_step(spec, answered, values)
        read_as = spec.fields[answered].read_as
        shown = [read_as(values, ctx)] if read_as is not None else []
        correcting = answered if shown and spec.fields[answered].correct else None
        if step < len(spec.fields):
            after = dataclasses.replace(session, step=step, values=values, correcting=correcting)
            return await self._ask(spec, after, ctx, shown)
        done = dataclasses.replace(session, step=step, values=values, correcting=None)
        if spec.confirm:
            confirming = dataclasses.replace(done, confirming=True)
            warnings = await self.warnings(spec, values, ctx)
            return Confirmation(confirming, spec.summary(values, ctx), warnings)
        return self.finish(done)

    def accepts_media(self, session: Session) -> bool:
        """Whether a photo may answer now: at its own step, or to correct the step before."""
        fields = self.spec(session).fields
        if session.confirming or session.step >= len(fields):
            return False
        if fields[session.step].accepts_media:
            return True
        return session.correcting is not None and fields[session.correcting].accepts_media

    @staticmethod
    async def _correction(
        spec: FormSpec, session: Session, text: str, ctx: FormContext
    ) -> Values | None:
        if session.correcting is None or session.confirming:
            return None
        earlier = spec.fields[session.correcting]
        if earlier.correct is None:
            return None
        return await earlier.correct(text, ctx, session.values)

    def finish(self, session: Session) -> Finished:
        """The command of a complete session (after its confirmation, if it has one)."""
        spec = self.spec(session)
        following = None
        if spec.batch:
            following = Session(form=spec.name, saved=session.saved + 1)
        return Finished(session, spec.build(session.values), following)

    @staticmethod
    async def warnings(spec: FormSpec, values: Values, ctx: FormContext) -> list[Text]:
        checks: list = [check_amount(values.get(key, 0), kind) for key, kind in spec.amounts]
        if values.get("quantity") and values.get("unit") and values.get("amount_fen"):
            # A sale's price per unit against the product's own history (售 脆李 20斤
            # 40000 is 2,000 yuan a jin where it sells for 3–6), the fixed lines without.
            quantity = Quantity(Decimal(values["quantity"]), Unit(values["unit"]))
            usual = None
            if values.get("product"):
                usual = await ctx.usual_price(values["product"], values["unit"])
            checks.append(check_unit_price(values["amount_fen"], quantity, usual))
        return [check.confirmation() for check in checks if check.needs_confirmation]

    async def _ask(
        self, spec: FormSpec, session: Session, ctx: FormContext, lines: list[Text]
    ) -> Question:
        current = spec.fields[session.step]
        choices = await current.choices(ctx, session.values) if current.choices else []
        return Question(
            session,
            current.name,
            [*lines, current.prompt],
            choices,
            self.accepts_media(session),
            spec.batch,
        )

    @staticmethod
    def _next_step(spec: FormSpec, step: int, values: Values) -> int:
        step += 1
        while step < len(spec.fields) and spec.fields[step].skip(values):
            step += 1
        return step
