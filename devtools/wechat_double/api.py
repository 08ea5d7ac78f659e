"""The Official Account API as the bot sees it, on 127.0.0.1.

It checks what WeChat checks: the appid and secret for a token; a valid, unexpired
access token on every call (40001 otherwise, 42001 when expired); customer-service
messages only to users within their 48-hour window (45015 otherwise, the window opened by
`opened_window`); the menu's 3 × 5 limit. `revoke_tokens` makes the next call see its token
refused, as after another process forced a refresh.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from dataclasses import dataclass
from typing import Any

from aiohttp import web


@dataclass(frozen=True)
class Sent:
    kind: str  # custom | template
    openid: str
    text: str
    payload: dict[str, Any]


class FakeWeChatApi:
    def __init__(self, appid: str, secret: str, *, expires_in: int = 7200) -> None:
        self.appid, self.secret, self.expires_in = appid, secret, expires_in
        self.tokens: dict[str, float] = {}  # token -> expiry (monotonic)
        self.sent: list[Sent] = []
        self.menus: list[dict[str, Any]] = []
        self.qr_scenes: list[str] = []
        self.token_requests = 0
        self.windows: set[str] = set()  # openids that wrote in the last 48 h
        self.media: dict[str, bytes] = {}  # what users sent, by MediaId
        self._serial = itertools.count(1)
        self._current: str | None = None
        self._arrived = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self.base_url = ""

    async def start(self) -> FakeWeChatApi:
        app = web.Application()
        app.router.add_post("/cgi-bin/stable_token", self._stable_token)
        app.router.add_post("/cgi-bin/message/custom/send", self._custom)
        app.router.add_post("/cgi-bin/message/template/send", self._template)
        app.router.add_post("/cgi-bin/menu/create", self._menu)
        app.router.add_post("/cgi-bin/qrcode/create", self._qrcode)
        app.router.add_get("/cgi-bin/media/get", self._media)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.base_url = f"http://127.0.0.1:{port}"
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def __aenter__(self) -> FakeWeChatApi:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # --- controls --------------------------------------------------------------------
    def opened_window(self, openid: str) -> None:
        self.windows.add(openid)

    def add_media(self, data: bytes) -> str:
        """A picture a user sent: its MediaId, as the image message will carry it."""
        media_id = f"media-{next(self._serial)}"
        self.media[media_id] = data
        return media_id

    def revoke_tokens(self) -> None:
        self.tokens.clear()
        self._current = None

    async def wait_sent(self, count: int, within: float = 10.0) -> list[Sent]:
        async with asyncio.timeout(within), self._arrived:
            await self._arrived.wait_for(lambda: len(self.sent) >= count)
        return self.sent

    # --- the API -----------------------------------------------------------------------
    async def _stable_token(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.token_requests += 1
        if body.get("appid") != self.appid or body.get("secret") != self.secret:
            return web.json_response({"errcode": 40125, "errmsg": "invalid appsecret"})
        if body.get("force_refresh") or self._current not in self.tokens:
            self.tokens.pop(self._current or "", None)
            self._current = f"tok-{next(self._serial)}"
            self.tokens[self._current] = time.monotonic() + self.expires_in
        remaining = int(self.tokens[self._current] - time.monotonic())
        return web.json_response({"access_token": self._current, "expires_in": remaining})

    def _token_error(self, request: web.Request) -> web.Response | None:
        token = request.query.get("access_token", "")
        expiry = self.tokens.get(token)
        if expiry is None:
            return web.json_response({"errcode": 40001, "errmsg": "invalid credential"})
        if expiry < time.monotonic():
            return web.json_response({"errcode": 42001, "errmsg": "access_token expired"})
        return None

    async def _record(self, sent: Sent) -> None:
        async with self._arrived:
            self.sent.append(sent)
            self._arrived.notify_all()

    async def _custom(self, request: web.Request) -> web.Response:
        error = self._token_error(request)
        if error is not None:
            return error
        body = await request.json()
        if body.get("touser") not in self.windows:
            return web.json_response({"errcode": 45015, "errmsg": "response out of time limit"})
        await self._record(Sent("custom", body["touser"], body["text"]["content"], body))
        return web.json_response({"errcode": 0, "errmsg": "ok"})

    async def _template(self, request: web.Request) -> web.Response:
        error = self._token_error(request)
        if error is not None:
            return error
        body = await request.json()
        text = "\n".join(f"{k}: {v['value']}" for k, v in body.get("data", {}).items())
        await self._record(Sent("template", body["touser"], text, body))
        return web.json_response({"errcode": 0, "errmsg": "ok", "msgid": next(self._serial)})

    async def _menu(self, request: web.Request) -> web.Response:
        error = self._token_error(request)
        if error is not None:
            return error
        body = await request.json()
        buttons = body.get("button", [])
        if not 1 <= len(buttons) <= 3 or any(len(b.get("sub_button", [])) > 5 for b in buttons):
            return web.json_response({"errcode": 40016, "errmsg": "invalid button size"})
        self.menus.append(body)
        return web.json_response({"errcode": 0, "errmsg": "ok"})

    async def _media(self, request: web.Request) -> web.Response:
        error = self._token_error(request)
        if error is not None:
            return error
        data = self.media.get(request.query.get("media_id", ""))
        if data is None:
            return web.json_response({"errcode": 40007, "errmsg": "invalid media_id"})
        return web.Response(body=data, content_type="image/jpeg")

    async def _qrcode(self, request: web.Request) -> web.Response:
        error = self._token_error(request)
        if error is not None:
            return error
        body = await request.json()
        scene = body["action_info"]["scene"]["scene_str"]
        if not 1 <= len(scene) <= 64:
            return web.json_response({"errcode": 40009, "errmsg": "invalid scene"})
        self.qr_scenes.append(scene)
        return web.json_response({"ticket": f"ticket-{len(self.qr_scenes)}", "url": ""})
