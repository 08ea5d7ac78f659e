"""Pictures keepers send: a waybill photographed at a form's tracking-number step is
downloaded at full size by its MediaId and its barcode decoded, as on Telegram; a photo
sent while a claim's draft takes evidence is downloaded at full size and written to the
evidence store (content-addressed: a redelivery writes the same file).

This runs before the message's transaction (a download is a network call; no write
transaction is held across it), and only when the keeper's open form is at a step that
takes a picture."""

from __future__ import annotations

import asyncio
import logging

import aiohttp

from adapters.barcodes import decode_tracking_numbers
from adapters.evidence import EvidenceStore, Stored
from bot.services.forms import Session
from handlers.wechat.client import WeChatApi, WeChatError

log = logging.getLogger(__name__)


def wants_picture(dialog: dict | None, forms) -> bool:
    """Is this dialog a form at a step that a photo may answer?"""
    if not dialog or dialog.get("kind") != "form":
        return False
    session = Session.from_dict(dialog["session"])
    fields = forms.spec(session).fields
    return (
        not session.confirming and session.step < len(fields) and fields[session.step].accepts_media
    )


async def tracking_numbers(api: WeChatApi, media_id: str) -> list[str] | None:
    """The tracking numbers in the picture; None when it could not be downloaded."""
    try:
        data = await api.download_media(media_id)
    except (WeChatError, aiohttp.ClientError, TimeoutError) as error:
        log.warning("picture %s not downloaded: %s", media_id, error)
        return None
    # zxing is CPU work: keep the event loop free for other keepers.
    return await asyncio.to_thread(decode_tracking_numbers, data)


def wants_evidence(dialog: dict | None) -> bool:
    return bool(dialog) and dialog.get("kind") == "evidence"  # type: ignore[union-attr]


async def keep_evidence(api: WeChatApi, store: EvidenceStore, media_id: str) -> Stored | None:
    """The photo, at full size, in the evidence store; None when it could not be fetched."""
    try:
        data = await api.download_media(media_id)
    except (WeChatError, aiohttp.ClientError, TimeoutError) as error:
        log.warning("evidence %s not downloaded: %s", media_id, error)
        return None
    return await asyncio.to_thread(store.put, data, ".jpg")  # a disk write with fsync
