"""The Official Account's outbound API over aiohttp: one access token per account, shared
by every process through the database, and the calls Cunzhan makes with it.

The token comes from `POST /cgi-bin/stable_token` (its non-forced mode hands every caller
the same token while it is valid, so processes refreshing at once do not invalidate each
other). It is kept in `wechat_tokens` and refreshed `early` before it expires. A call
answered 40001/40014/42001 (token invalid or expired: another process forced a refresh,
or WeChat revoked it) takes the token from the database again if someone stored a newer
one, otherwise forces a refresh, and retries once. The secret and the token never reach a
log line: URLs are logged without their query.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import aiohttp

from bot.domain.clock import Clock
from storage.repositories.wechat import SqlWeChatRepo
from storage.uow import SqlUnitOfWorkFactory

log = logging.getLogger(__name__)

DEFAULT_BASE = "https://api.weixin.qq.com"
TOKEN_ERRORS = {40001, 40014, 42001}
OUTSIDE_WINDOW = 45015  # customer-service message past the user's 48-hour window
TIMEOUT = aiohttp.ClientTimeout(total=10)
MAX_MEDIA = 10 * 1024 * 1024  # WeChat's image limit


class WeChatError(Exception):
    def __init__(self, errcode: int, errmsg: str) -> None:
        super().__init__(f"WeChat API error {errcode}: {errmsg}")
        self.errcode, self.errmsg = errcode, errmsg


@dataclass(frozen=True)
class Account:
    appid: str
    secret: str
    base: str = DEFAULT_BASE


class WeChatApi:
    def __init__(
        self,
        account: Account,
        uow: SqlUnitOfWorkFactory,
        clock: Clock,
        *,
        early: timedelta = timedelta(minutes=5),
    ) -> None:
        self.account, self.uow, self.clock, self.early = account, uow, clock, early
        self._session: aiohttp.ClientSession | None = None
        self._lock = asyncio.Lock()
        self._cached: tuple[str, datetime] | None = None
        self.token_fetches = 0  # how often this process asked WeChat for a token

    async def _http(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=TIMEOUT)
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()

    async def _post(self, path: str, payload: dict[str, Any], token: str | None) -> dict:
        session = await self._http()
        params = {"access_token": token} if token else None
        url = self.account.base.rstrip("/") + path
        async with session.post(url, params=params, json=payload) as response:
            if response.status >= 500:
                raise WeChatError(-1, f"HTTP {response.status} from {path}")
            return await response.json(content_type=None)

    # --- the token ---------------------------------------------------------------------
    async def token(self, *, stale: str | None = None) -> str:
        """A token valid for at least `early` more; `stale` is one WeChat just refused."""
        now = self.clock.now()
        cached = self._cached
        if cached and cached[0] != stale and cached[1] - self.early > now:
            return cached[0]
        async with self._lock:
            async with self.uow() as uow:
                stored = await SqlWeChatRepo(uow.connection).token(self.account.appid)
            now = self.clock.now()
            if stored and stored.token != stale and stored.expires_at - self.early > now:
                self._cached = (stored.token, stored.expires_at)
                return stored.token
            answer = await self._post(
                "/cgi-bin/stable_token",
                {
                    "grant_type": "client_credential",
                    "appid": self.account.appid,
                    "secret": self.account.secret,
                    "force_refresh": stale is not None,
                },
                None,
            )
            self.token_fetches += 1
            if "access_token" not in answer:
                raise WeChatError(answer.get("errcode", -1), answer.get("errmsg", "no token"))
            token = answer["access_token"]
            expires = self.clock.now() + timedelta(seconds=int(answer.get("expires_in", 7200)))
            async with self.uow(write=True) as uow:
                repo = SqlWeChatRepo(uow.connection)
                if not await repo.put_token(
                    self.account.appid, token, expires, stored.version if stored else None
                ):
                    # Another process stored one meanwhile: stable_token gave us both the
                    # same one unless a refresh was forced; take what is stored.
                    latest = await repo.token(self.account.appid)
                    if latest is not None and latest.token != stale:
                        token, expires = latest.token, latest.expires_at
                await uow.commit()
            self._cached = (token, expires)
            return token

    async def call(self, path: str, payload: dict[str, Any]) -> dict:
        token = await self.token()
        answer = await self._post(path, payload, token)
        if answer.get("errcode") in TOKEN_ERRORS:
            log.info("WeChat refused the access token (%s); refreshing once", answer["errcode"])
            token = await self.token(stale=token)
            answer = await self._post(path, payload, token)
        if answer.get("errcode", 0) != 0:
            raise WeChatError(answer["errcode"], answer.get("errmsg", ""))
        return answer

    async def _get_media(self, media_id: str, token: str) -> bytes | dict:
        session = await self._http()
        url = self.account.base.rstrip("/") + "/cgi-bin/media/get"
        params = {"access_token": token, "media_id": media_id}
        async with session.get(url, params=params) as response:
            if response.status >= 500:
                raise WeChatError(-1, f"HTTP {response.status} from media/get")
            if response.content_type in ("application/json", "text/plain"):
                return await response.json(content_type=None)
            if (response.content_length or 0) > MAX_MEDIA:
                raise WeChatError(-2, "media over 10 MB")
            data = bytearray()
            async for chunk in response.content.iter_chunked(64 * 1024):
                data += chunk
                if len(data) > MAX_MEDIA:  # a lying Content-Length is not trusted
                    raise WeChatError(-2, "media over 10 MB")
            return bytes(data)

    async def download_media(self, media_id: str) -> bytes:
        """A user's image at full size, by its MediaId (temporary media, kept 3 days)."""
        token = await self.token()
        answer = await self._get_media(media_id, token)
        if isinstance(answer, dict) and answer.get("errcode") in TOKEN_ERRORS:
            answer = await self._get_media(media_id, await self.token(stale=token))
        if isinstance(answer, dict):
            raise WeChatError(answer.get("errcode", -1), answer.get("errmsg", ""))
        return answer

    # --- what Cunzhan sends --------------------------------------------------------------
    async def send_text(self, openid: str, text: str) -> None:
        """A customer-service message: only within 48 hours of the user's last message."""
        await self.call(
            "/cgi-bin/message/custom/send",
            {"touser": openid, "msgtype": "text", "text": {"content": text}},
        )

    async def send_template(
        self, openid: str, template_id: str, data: dict[str, str], url: str | None = None
    ) -> None:
        payload: dict[str, Any] = {
            "touser": openid,
            "template_id": template_id,
            "data": {key: {"value": value} for key, value in data.items()},
        }
        if url:
            payload["url"] = url
        await self.call("/cgi-bin/message/template/send", payload)

    async def create_menu(self, menu: dict[str, Any]) -> None:
        await self.call("/cgi-bin/menu/create", menu)

    async def create_qr(self, scene: str, expire_seconds: int | None = None) -> str:
        """A parametric QR code for `scene`; temporary when `expire_seconds` is given.
        Returns the ticket (the image is showqrcode?ticket=…)."""
        payload: dict[str, Any] = {
            "action_name": "QR_STR_SCENE" if expire_seconds else "QR_LIMIT_STR_SCENE",
            "action_info": {"scene": {"scene_str": scene}},
        }
        if expire_seconds:
            payload["expire_seconds"] = expire_seconds
        return (await self.call("/cgi-bin/qrcode/create", payload))["ticket"]
