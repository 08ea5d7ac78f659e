"""Callback data factories. Telegram allows 64 bytes; who pressed is re-checked from the
update itself on every press, never taken from these payloads."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData


class MenuCb(CallbackData, prefix="m"):
    item: str


class LangCb(CallbackData, prefix="l"):
    lang: str


class StationsPageCb(CallbackData, prefix="sp"):
    page: int


class InviteConfirmCb(CallbackData, prefix="ic"):
    """Confirms a keeper invite. `nonce` names this one request: a second tap of the same
    button finds the invite already made instead of making another."""

    code: str
    nonce: str


class CancelCb(CallbackData, prefix="x"):
    pass


class FieldChoiceCb(CallbackData, prefix="fc"):
    """A button answering the current step of a form: the index of its choice (the values
    are kept in the dialog state; a Chinese product name would not fit in 64 bytes)."""

    index: int


class FormSaveCb(CallbackData, prefix="fs"):
    nonce: str


class ParcelCb(CallbackData, prefix="pc"):
    """Act on one parcel on the shelf: `show`, `out` (picked up) or `ret` (return); or
    on all of one person's parcels: `all` (offer them), `allok` (hand them out)."""

    entry_id: int
    action: str
    nonce: str


class ShelfPageCb(CallbackData, prefix="sh"):
    page: int


class StationsFilterCb(CallbackData, prefix="sf"):
    """A page of a filtered /stations list; `q` the filters, compact (see stations.py)."""

    page: int
    q: str


class VoidCb(CallbackData, prefix="vd"):
    """Confirms the void shown; the entry and reason wait in the dialog state."""

    nonce: str


# --- the notice board (issue 11) ---------------------------------------------------------
# A station's public code (24 characters) rides in the data: it is printed on a wall, so it
# is no secret, and every press resolves it again (a revoked code stops working).


class BoardCb(CallbackData, prefix="bd"):
    """A villager's button under a station's public card: rate, complain, notices."""

    action: str  # rate | complain | notify
    code: str


class RateCb(CallbackData, prefix="rt"):
    code: str
    stars: int


class ComplaintSendCb(CallbackData, prefix="cs"):
    """Send the complaint being written, signed or anonymous; `nonce` names this one."""

    anonymous: bool
    nonce: str


class InspectItemCb(CallbackData, prefix="ii"):
    """Toggle checklist item `index` of the inspection being written (-1: next step)."""

    index: int


class InspectResultCb(CallbackData, prefix="ir"):
    result: str  # pass | fail
    nonce: str
