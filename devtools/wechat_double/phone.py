"""A WeChat user's side of the webhook: builds the requests WeChat's servers post —
signed, and in safe mode encrypted — and reads the passive replies back."""

from __future__ import annotations

import itertools
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass

import aiohttp

from handlers.wechat.protocol import (
    MessageCipher,
    parse_envelope,
    parse_message,
    sign,
    verify,
)
from handlers.wechat.protocol.messages import cdata


@dataclass(frozen=True)
class Answer:
    status: int
    body: str
    text: str | None  # the passive reply's Content, decrypted; None for `success`


class WeChatPhone:
    """Posts as WeChat would for one account; `openid` picks the user."""

    def __init__(
        self,
        url: str,
        token: str,
        *,
        cipher: MessageCipher | None = None,
        account: str = "gh_cunzhan",
        now: Callable[[], float] = time.time,
        session: aiohttp.ClientSession | None = None,
    ) -> None:
        self.url, self.token, self.cipher, self.account, self.now = url, token, cipher, account, now
        self._session = session
        self._msg_ids = itertools.count(int(time.time() * 1000))

    async def __aenter__(self) -> WeChatPhone:
        if self._session is None:
            self._session = aiohttp.ClientSession()
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._session is not None:
            await self._session.close()

    # --- message bodies ----------------------------------------------------------------
    def _xml(self, openid: str, kind: str, fields: str, created: int | None) -> str:
        created = int(self.now()) if created is None else created
        return (
            f"<xml><ToUserName>{cdata(self.account)}</ToUserName>"
            f"<FromUserName>{cdata(openid)}</FromUserName><CreateTime>{created}</CreateTime>"
            f"<MsgType>{cdata(kind)}</MsgType>{fields}</xml>"
        )

    def text(self, openid: str, content: str, msg_id: int | None = None, created=None) -> str:
        msg_id = next(self._msg_ids) if msg_id is None else msg_id
        fields = f"<Content>{cdata(content)}</Content><MsgId>{msg_id}</MsgId>"
        return self._xml(openid, "text", fields, created)

    def event(self, openid: str, event: str, key: str = "", created=None) -> str:
        fields = f"<Event>{cdata(event)}</Event><EventKey>{cdata(key)}</EventKey>"
        return self._xml(openid, "event", fields, created)

    def image(self, openid: str, media_id: str) -> str:
        fields = (
            f"<PicUrl>{cdata('http://mmbiz.example/' + media_id)}</PicUrl>"
            f"<MediaId>{cdata(media_id)}</MediaId><MsgId>{next(self._msg_ids)}</MsgId>"
        )
        return self._xml(openid, "image", fields, None)

    def location(self, openid: str, lat: str, lng: str, label: str = "") -> str:
        fields = (
            f"<Location_X>{lat}</Location_X><Location_Y>{lng}</Location_Y><Scale>15</Scale>"
            f"<Label>{cdata(label)}</Label><MsgId>{next(self._msg_ids)}</MsgId>"
        )
        return self._xml(openid, "location", fields, None)

    # --- posting ---------------------------------------------------------------------------
    def signed_query(self, body: str, *, timestamp: int | None = None) -> tuple[dict, str]:
        """The query WeChat adds, and the body as posted (encrypted in safe mode)."""
        ts = str(int(self.now()) if timestamp is None else timestamp)
        nonce = str(secrets.randbelow(10**9))
        query = {"signature": sign(self.token, ts, nonce), "timestamp": ts, "nonce": nonce}
        if self.cipher is None:
            return query, body
        encrypted = self.cipher.encrypt(body)
        query |= {"encrypt_type": "aes", "msg_signature": sign(self.token, ts, nonce, encrypted)}
        posted = f"<xml><ToUserName>{cdata(self.account)}</ToUserName>"
        posted += f"<Encrypt>{cdata(encrypted)}</Encrypt></xml>"
        return query, posted

    async def post_raw(self, query: dict, body: str | bytes) -> Answer:
        assert self._session is not None
        async with self._session.post(self.url, params=query, data=body) as response:
            raw = await response.text()
            status = response.status
        if status != 200 or raw == "success":
            return Answer(status, raw, None)
        return Answer(status, raw, self.read_reply(raw))

    async def post(self, body: str, **signing) -> Answer:
        query, posted = self.signed_query(body, **signing)
        return await self.post_raw(query, posted)

    async def say(self, openid: str, content: str) -> str | None:
        return (await self.post(self.text(openid, content))).text

    def read_reply(self, raw: str) -> str:
        if self.cipher is None:
            return parse_message(raw).content
        envelope = parse_envelope(raw)
        verify(envelope["MsgSignature"], self.token, envelope["TimeStamp"], envelope["Nonce"],
               envelope["Encrypt"])  # fmt: skip
        return parse_message(self.cipher.decrypt(envelope["Encrypt"])).content
