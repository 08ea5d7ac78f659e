"""The keeper's ledger (工作台账): use cases of (command, actor, unit of work, env).

recording.py — parcels in, shipments, sales, proxy purchases, services
shelf.py — finding, handing out and returning parcels
corrections.py — recent entries, history, voids
month.py — the month at a glance, the product catalogue, tracking look-ups
"""

from bot.services.ledger.common import STATUS_TEXT, Entries, Parcels, Recorded
from bot.services.ledger.month import MonthView
from bot.services.ledger.recording import DuplicateTracking

__all__ = ["STATUS_TEXT", "DuplicateTracking", "Entries", "MonthView", "Parcels", "Recorded"]
