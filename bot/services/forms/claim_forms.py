"""The keeper's claim form (补贴申请): pick a rule and a closed month; a per-parcel claim's
amount is computed from the ledger and its working shown before saving; an "other" claim
asks for the amount and what it is for. The form ends in `FileClaim` (a draft): evidence
and submitting come after, in the channel's own way."""

from __future__ import annotations

from bot.domain.claims import FLAG_LABELS, Flag
from bot.domain.commands import FileClaim
from bot.domain.errors import InvalidInput
from bot.domain.money import format_fen, parse_amount
from bot.domain.text import N_, Text
from bot.services.claims.working_text import working_texts
from bot.services.forms.engine import Choice, Field, FormContext, FormSpec, Values

CLAIM_TITLE = N_("🧾 Subsidy claim")


async def _rule(text: str, ctx: FormContext, values: Values) -> Values:
    for code, name, kind in await ctx.claim_rules():
        if text in (code, name):
            return {"rule_code": code, "rule_name": name, "rule_kind": kind}
    raise InvalidInput(N_("Pick the subsidy from the list."))


async def _rule_choices(ctx: FormContext, values: Values) -> list[Choice]:
    return [Choice(name, code) for code, name, _ in await ctx.claim_rules()]


async def _period(text: str, ctx: FormContext, values: Values) -> Values:
    found: Values = {"period": text.strip()}
    if values["rule_kind"] == "per_parcel":
        # The service checks the month (closed, in the window, in force) and computes.
        preview = await ctx.claim_preview(values["rule_code"], text.strip())
        if preview["working"]["amount_fen"] <= 0:
            raise InvalidInput(
                N_("No parcel of {period} counts under this subsidy: pick another month."),
                period=text.strip(),
            )
        found.update(preview)
    elif values["rule_kind"] == "other":
        await ctx.claim_periods(values["rule_code"])
    return found


async def _period_choices(ctx: FormContext, values: Values) -> list[Choice]:
    return [Choice(period, period) for period in await ctx.claim_periods(values["rule_code"])]


async def _amount(text: str, ctx: FormContext, values: Values) -> Values:
    return {"amount_fen": parse_amount(text)}


async def _description(text: str, ctx: FormContext, values: Values) -> Values:
    words = " ".join(text.split())
    if len(words) < 4 or words.startswith("/"):
        raise InvalidInput(N_("Describe what the money is for, e.g. 冷库电费 (cold store power)."))
    return {"description": words[:500]}


def _summary(values: Values, ctx: FormContext) -> list[Text]:
    lines = [
        Text(CLAIM_TITLE),
        Text(N_("{rule}, {period}"), {"rule": values["rule_name"], "period": values["period"]}),
    ]
    if values["rule_kind"] == "per_parcel":
        lines += working_texts(values["working"])
        lines += [Text(FLAG_LABELS[Flag(flag)]) for flag in values.get("flags", [])]
    else:
        amount = format_fen(values["amount_fen"])
        lines.append(Text(N_("Amount: {amount} yuan"), {"amount": amount}))
        lines.append(Text(N_("Description: {text}"), {"text": values["description"]}))
    lines.append(Text(N_("Save as a draft? Photos of receipts and waybills come next.")))
    return lines


def _build(values: Values) -> FileClaim:
    return FileClaim(
        values["rule_code"],
        values["period"],
        amount_fen=values.get("amount_fen"),
        description=values.get("description"),
    )


def _other_only(values: Values) -> bool:
    return values.get("rule_kind") != "other"


CLAIM_FORMS: dict[str, FormSpec] = {
    "claim": FormSpec(
        "claim",
        Text(CLAIM_TITLE),
        [
            Field("rule", Text(N_("Which subsidy?")), _rule, _rule_choices),
            Field(
                "period",
                Text(N_("Which month? Only months closed by the review can be claimed.")),
                _period,
                _period_choices,
            ),
            Field("amount", Text(N_("Amount in yuan? e.g. 300.")), _amount, skip=_other_only),
            Field(
                "description",
                Text(N_("What is it for? e.g. 冷库电费十月.")),
                _description,
                skip=_other_only,
            ),
        ],
        _build,
        _summary,
    )
}
