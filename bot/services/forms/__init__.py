"""Channel-neutral forms: the engine, the ledger forms, and a text-only rendering."""

from bot.services.forms.engine import (
    Choice,
    Confirmation,
    Field,
    Finished,
    FormContext,
    FormEngine,
    FormSpec,
    Question,
    Session,
    Step,
)
from bot.services.forms.ledger_forms import LEDGER_FORMS

__all__ = [
    "LEDGER_FORMS",
    "Choice",
    "Confirmation",
    "Field",
    "Finished",
    "FormContext",
    "FormEngine",
    "FormSpec",
    "Question",
    "Session",
    "Step",
]
