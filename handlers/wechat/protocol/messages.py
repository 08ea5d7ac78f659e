"""The XML WeChat posts and the XML we answer with.

Parsing goes through defusedxml with DTDs forbidden (no DOCTYPE, no entities: a billion
laughs or an external entity is refused before expansion), after a size check, and after
removing the control characters XML 1.0 forbids, which WeChat forwards unescaped from some
keyboards (a stray U+0008 would otherwise make a keeper's message unreadable). Replies put
text in CDATA with `]]>` split across two sections, so no text can close it early.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

MAX_BODY = 64 * 1024  # a text message is at most 2,048 characters; events are smaller
_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


class BadMessage(ValueError):
    """Not a message we accept: too big, not XML, a DTD or entity, fields missing."""


def clean(text: str) -> str:
    """`text` without the characters XML 1.0 cannot carry."""
    return _FORBIDDEN.sub("", text)


def _root(body: bytes | str, max_bytes: int) -> Element:
    raw = body.encode() if isinstance(body, str) else body
    if len(raw) > max_bytes:
        raise BadMessage(f"body of {len(raw)} bytes is over {max_bytes}")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise BadMessage("body is not UTF-8") from None
    try:
        root = fromstring(clean(text), forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except (DefusedXmlException, ParseError) as error:
        raise BadMessage(f"refused XML: {type(error).__name__}") from None
    if root.tag != "xml":
        raise BadMessage("root element is not <xml>")
    return root


def _fields(root: Element) -> dict[str, str]:
    return {child.tag: (child.text or "").strip() for child in root}


def parse_envelope(body: bytes | str, max_bytes: int = MAX_BODY) -> dict[str, str]:
    """The top-level fields of a posted body (safe mode: ToUserName and Encrypt)."""
    return _fields(_root(body, max_bytes))


@dataclass(frozen=True)
class Location:
    latitude: str  # as sent (decimal text): the core turns it into micro-degrees
    longitude: str
    label: str = ""
    precision: str = ""


@dataclass(frozen=True)
class Inbound:
    """One message or event from a user, as WeChat sent it."""

    account: str  # ToUserName: our account's original id (gh_…)
    openid: str  # FromUserName
    created: int  # CreateTime, seconds
    kind: str  # MsgType: text, image, location, voice, event …
    msg_id: str = ""
    content: str = ""
    event: str = ""  # subscribe, unsubscribe, SCAN, LOCATION, CLICK, VIEW
    event_key: str = ""
    media_id: str = ""
    pic_url: str = ""
    location: Location | None = None
    raw: dict[str, str] = field(default_factory=dict, repr=False)

    @property
    def dedup_key(self) -> str:
        """MsgId for messages; sender + time for events, which have no MsgId (with the
        event and its key, so two menu taps in one second are two events). WeChat's
        retries of one delivery carry the same values."""
        if self.msg_id:
            return f"m:{self.msg_id}"
        return f"e:{self.openid}:{self.created}:{self.event}:{self.event_key}"[:200]

    @property
    def qr_scene(self) -> str | None:
        """The scene of a parametric QR code: `qrscene_<scene>` on a follow by scanning,
        `<scene>` on a SCAN by a follower."""
        if self.kind != "event":
            return None
        if self.event == "subscribe" and self.event_key.startswith("qrscene_"):
            return self.event_key.removeprefix("qrscene_") or None
        if self.event == "SCAN":
            return self.event_key or None
        return None


def parse_message(body: bytes | str, max_bytes: int = MAX_BODY) -> Inbound:
    raw = _fields(_root(body, max_bytes))
    try:
        account, openid, kind = raw["ToUserName"], raw["FromUserName"], raw["MsgType"]
        created = int(raw["CreateTime"])
    except (KeyError, ValueError):
        raise BadMessage("ToUserName, FromUserName, CreateTime and MsgType are required") from None
    if not openid or not kind:
        raise BadMessage("empty sender or type")
    location = None
    if kind == "location":
        location = Location(
            raw.get("Location_X", ""),
            raw.get("Location_Y", ""),
            raw.get("Label", ""),
            raw.get("Scale", ""),
        )
    elif kind == "event" and raw.get("Event") == "LOCATION":
        location = Location(
            raw.get("Latitude", ""), raw.get("Longitude", ""), "", raw.get("Precision", "")
        )
    return Inbound(
        account=account,
        openid=openid,
        created=created,
        kind=kind,
        msg_id=raw.get("MsgId", ""),
        content=raw.get("Content", ""),
        event=raw.get("Event", ""),
        event_key=raw.get("EventKey", ""),
        media_id=raw.get("MediaId", ""),
        pic_url=raw.get("PicUrl", ""),
        location=location,
        raw=raw,
    )


def cdata(text: str) -> str:
    """Text inside CDATA; `]]>` in it is split so it cannot end the section early."""
    return "<![CDATA[" + clean(text).replace("]]>", "]]]]><![CDATA[>") + "]]>"


def text_reply(to: str, sender: str, content: str, now: int | None = None) -> str:
    """A passive text reply to `to` (the user's OpenID) from `sender` (our account)."""
    created = int(time.time()) if now is None else now
    return (
        f"<xml><ToUserName>{cdata(to)}</ToUserName><FromUserName>{cdata(sender)}</FromUserName>"
        f"<CreateTime>{created}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
        f"<Content>{cdata(content)}</Content></xml>"
    )


def encrypted_envelope(encrypt: str, signature: str, timestamp: str, nonce: str) -> str:
    """A safe-mode reply: the encrypted reply and its signature."""
    return (
        f"<xml><Encrypt>{cdata(encrypt)}</Encrypt><MsgSignature>{cdata(signature)}</MsgSignature>"
        f"<TimeStamp>{timestamp}</TimeStamp><Nonce>{cdata(nonce)}</Nonce></xml>"
    )
