"""A claim's working as translatable lines (`73 件 × 2.00 元 = 146.00 元，封顶 300.00 元`),
for the claim form's summary and every channel's presenters alike."""

from __future__ import annotations

from bot.domain.claims import EXCLUDED_LABELS, Excluded
from bot.domain.money import format_fen
from bot.domain.text import N_, Text

WORKING = N_("{n} parcels × {rate} yuan = {gross} yuan, capped at {cap} yuan")
TRIMMED = N_("Over the cap by {trimmed} yuan: trimmed to {amount} yuan.")
NOT_COUNTED = N_("Not counted: {n} ({reason})")
NOT_COUNTED_ONE = N_("  · {tracking}: {reason}")
IN_APPROVED = N_("  {tracking} is in approved claim #{claim}")
CLAIM_AMOUNT = N_("Amount claimed: {amount} yuan")
REWARD_WORKING = N_("Upstream sales {upstream} yuan in the month: reward {amount} yuan")
OTHER_WORKING = N_("{amount} yuan requested (ceiling {ceiling} yuan)")


def working_texts(working: dict) -> list[Text]:
    kind = working.get("kind")
    if kind == "per_parcel":
        lines = [
            Text(
                WORKING,
                {
                    "n": working["counted"],
                    "rate": format_fen(working["fen_per_parcel"]),
                    "gross": format_fen(working["gross_fen"]),
                    "cap": format_fen(working["cap_fen"]),
                },
            )
        ]
        if working["trimmed_fen"]:
            lines.append(
                Text(
                    TRIMMED,
                    {
                        "trimmed": format_fen(working["trimmed_fen"]),
                        "amount": format_fen(working["amount_fen"]),
                    },
                )
            )
        for reason, n in sorted(working.get("excluded", {}).items()):
            lines.append(Text(NOT_COUNTED, {"n": n, "reason": EXCLUDED_LABELS[Excluded(reason)]}))
        for tracking, reason in working.get("excluded_list", []):
            label = EXCLUDED_LABELS[Excluded(reason)]
            lines.append(Text(NOT_COUNTED_ONE, {"tracking": tracking, "reason": label}))
        for tracking, claim in sorted(working.get("claimed_elsewhere", {}).items()):
            lines.append(Text(IN_APPROVED, {"tracking": tracking, "claim": claim}))
        lines.append(Text(CLAIM_AMOUNT, {"amount": format_fen(working["amount_fen"])}))
        return lines
    if kind == "upstream_reward":
        amounts = {
            "upstream": format_fen(working["upstream_fen"]),
            "amount": format_fen(working["amount_fen"]),
        }
        return [Text(REWARD_WORKING, amounts)]
    return [
        Text(
            OTHER_WORKING,
            {
                "amount": format_fen(working["amount_fen"]),
                "ceiling": format_fen(working["ceiling_fen"]),
            },
        )
    ]
