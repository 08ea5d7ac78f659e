"""Subsidy claims as text, for every channel: the working (`73 件 × 2.00 元 = 146.00 元，
封顶 300.00 元`), which parcels did not count and why, flags, a reviewer's card, a list."""

from __future__ import annotations

from bot.domain.claims import FLAG_LABELS, STATE_LABELS, ClaimState, Flag
from bot.domain.money import format_fen
from bot.domain.text import N_
from bot.i18n import Translator
from bot.services.claims.working_text import working_texts


def working_lines(working: dict, t: Translator) -> list[str]:
    return [t(line) for line in working_texts(working)]


def flag_lines(flags: list[str], t: Translator) -> list[str]:
    return ["⚠️ " + t(FLAG_LABELS[Flag(flag)]) for flag in flags]


def state_label(state: ClaimState | str, t: Translator) -> str:
    return t(STATE_LABELS[ClaimState(state)])


def claim_head(claim, rule_name: str, t: Translator) -> str:
    return t(
        N_("Claim #{number} · {station} ({code}) · {rule} · {period} · {amount} yuan · {state}"),
        number=claim.id,
        station=claim.station_name,
        code=claim.station_code,
        rule=rule_name,
        period=claim.period,
        amount=format_fen(claim.amount_fen),
        state=state_label(claim.state, t),
    )


def claim_card_text(card, t: Translator, *, history: bool = False) -> str:
    claim = card.claim
    lines = [claim_head(claim, card.rule_name, t)]
    if claim.description:
        lines.append(t(N_("Description: {text}"), text=claim.description))
    lines += working_lines(claim.working, t)
    lines.append(t(N_("Evidence: {n} file(s)"), n=claim.evidence_count))
    if card.township_checked:
        lines.append(t(N_("✔ Checked by the township")))
    for sha, others in card.duplicate_images.items():
        numbers = ", ".join(f"#{n}" for n in others)
        lines.append(
            t(N_("⚠️ Image {sha} is also evidence in claim {claims}"), sha=sha[:12], claims=numbers)
        )
    lines += flag_lines([f for f in card.flags if f != Flag.DUPLICATE_EVIDENCE.value], t)
    if card.remaining_budget_fen is not None:
        lines.append(
            t(
                N_("Budget left this year: {amount} yuan"),
                amount=format_fen(card.remaining_budget_fen),
            )
        )
    if claim.payment_ref:
        lines.append(t(N_("Payment reference: {ref}"), ref=claim.payment_ref))
    if history:
        for event in card.events:
            who = card.names.get(event.by_person, "—") if event.by_person else t(N_("the system"))
            when = event.at.strftime("%Y-%m-%d %H:%M")
            reason = f" — {event.reason}" if event.reason else ""
            lines.append(f"{when} {who}: {state_label(event.state_after, t)}{reason}")
    return "\n".join(lines)


def claim_list_text(result, t: Translator, *, empty: str) -> str:
    if not result.cards:
        return t(empty)
    head = t(N_("Claims: {n}"), n=result.total)
    rows = [claim_head(c.claim, c.rule_name, t) for c in result.cards]
    sums = [
        t(N_("{state}: {amount} yuan"), state=state_label(state, t), amount=format_fen(fen))
        for state, fen in sorted(result.by_state.items())
    ]
    return "\n".join([head, *rows, " · ".join(sums)])


# --- the finance bureau's statement (adapters/statement_xlsx.py) ---------------------------

SHEET_NAMES = (N_("Claims"), N_("Totals per rule"), N_("Parcels"))
CLAIM_COLUMNS = (
    N_("Claim"),
    N_("Station code"),
    N_("Station"),
    N_("Rule"),
    N_("Fund"),
    N_("Month"),
    N_("Working"),
    N_("Amount (yuan)"),
    N_("Amount (fen)"),
    N_("State"),
    N_("Reviewer"),
    N_("Payment reference"),
)
TOTAL_COLUMNS = (
    N_("Rule"),
    N_("Fund"),
    N_("Claims"),
    N_("Approved (yuan)"),
    N_("Approved (fen)"),
    N_("Paid (yuan)"),
    N_("Paid (fen)"),
)
PARCEL_COLUMNS = (
    N_("Claim"),
    N_("Station code"),
    N_("Ledger entry"),
    N_("Tracking number"),
    N_("Product"),
    N_("Weight (g)"),
    N_("Date"),
    N_("Subsidy (yuan)"),
    N_("Subsidy (fen)"),
)
