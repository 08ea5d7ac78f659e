"""WeCom group robots and DingTalk custom robots, as a local aiohttp server.

One server answers both APIs, like the real ones do:

* WeCom: `POST /cgi-bin/webhook/send?key=KEY`. An unknown key answers `93000 invalid
  webhook url`; a text over 2048 bytes or Markdown over 4096 bytes `40058`; an empty or
  unknown message `44004` / `40008`.
* DingTalk: `POST /robot/send?access_token=T&timestamp=TS&sign=S`. An unknown token
  answers `300001`; a robot created with a signing secret checks
  `S == base64(HMAC-SHA256(secret, f"{TS}\\n{secret}"))` (constant-time) and a timestamp
  within an hour, else `310000 sign not match`. Markdown needs a title and a text.
* The limit, for both: at most `per_window` accepted messages in any sliding `window`
  seconds per robot (20 in 60 s by default, the real rule). Over it WeCom answers
  `45009 api freq out of limit`; DingTalk answers `130101 send too fast` and then mutes
  the robot for `mute_seconds` (600 by default), answering `410100` meanwhile. Every such
  refusal is counted in `violations`: a sender that keeps the limit sees none.

`fail_next(key, n, errcode=-1 | status=502)` makes the next `n` sends to a robot fail, for
transient-error tests. `received` lists what every robot accepted, in order.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web


@dataclass
class Accepted:
    robot: str  # the WeCom key or the DingTalk token
    kind: str
    payload: dict[str, Any]
    at: float

    @property
    def text(self) -> str:
        body = self.payload[self.payload["msgtype"]]
        return body.get("content") or body.get("text") or ""


@dataclass
class _Robot:
    kind: str
    secret: str | None = None
    sends: deque[float] = field(default_factory=deque)
    muted_until: float = 0.0
    failures: list[tuple[int | None, int | None]] = field(default_factory=list)


class RobotDouble:
    def __init__(
        self,
        *,
        window: float = 60.0,
        per_window: int = 20,
        mute_seconds: float = 600.0,
        clock: Callable[[], float] = time.monotonic,
        wall_ms: Callable[[], int] = lambda: int(time.time() * 1000),
    ) -> None:
        self.window, self.per_window, self.mute_seconds = window, per_window, mute_seconds
        self.clock, self.wall_ms = clock, wall_ms
        self.robots: dict[tuple[str, str], _Robot] = {}
        self.received: list[Accepted] = []
        self.violations: list[tuple[str, str, int]] = []  # (kind, robot, errcode)
        self.bad_signatures = 0
        self.requests = 0
        self.on_accept: Callable[[Accepted], None] | None = None
        self._runner: web.AppRunner | None = None
        self.base_url = ""

    # -- setup ------------------------------------------------------------------------

    def wecom(self, key: str) -> str:
        self.robots[("wecom", key)] = _Robot("wecom")
        return key

    def dingtalk(self, token: str, secret: str | None) -> str:
        self.robots[("dingtalk", token)] = _Robot("dingtalk", secret)
        return token

    def fail_next(
        self, kind: str, robot: str, n: int, *, errcode: int | None = -1, status: int | None = None
    ) -> None:
        self.robots[(kind, robot)].failures.extend([(errcode, status)] * n)

    def accepted(self, kind: str | None = None, robot: str | None = None) -> list[Accepted]:
        return [
            a
            for a in self.received
            if (kind is None or a.kind == kind) and (robot is None or a.robot == robot)
        ]

    async def start(self) -> str:
        app = web.Application()
        app.router.add_post("/cgi-bin/webhook/send", self._wecom)
        app.router.add_post("/robot/send", self._dingtalk)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.base_url = f"http://127.0.0.1:{port}"
        return self.base_url

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    # -- the rules --------------------------------------------------------------------

    def _over_limit(self, robot: _Robot, now: float) -> bool:
        while robot.sends and robot.sends[0] <= now - self.window:
            robot.sends.popleft()
        return len(robot.sends) >= self.per_window

    @staticmethod
    def _answer(errcode: int, errmsg: str) -> web.Response:
        return web.json_response({"errcode": errcode, "errmsg": errmsg})

    async def _body(self, request: web.Request) -> dict[str, Any] | None:
        try:
            body = json.loads(await request.read())
        except ValueError:
            return None
        return body if isinstance(body, dict) else None

    def _failure(self, robot: _Robot) -> web.Response | None:
        if not robot.failures:
            return None
        errcode, status = robot.failures.pop(0)
        if status is not None:
            return web.Response(status=status, text="<html>bad gateway</html>")
        return self._answer(errcode or -1, "system busy")

    def _accept(self, kind: str, name: str, robot: _Robot, body: dict, now: float) -> None:
        robot.sends.append(now)
        accepted = Accepted(name, kind, body, now)
        self.received.append(accepted)
        if self.on_accept is not None:
            self.on_accept(accepted)

    async def _wecom(self, request: web.Request) -> web.Response:
        self.requests += 1
        key = request.query.get("key", "")
        robot = self.robots.get(("wecom", key))
        if robot is None:
            return self._answer(93000, "invalid webhook url")
        body = await self._body(request)
        if body is None:
            return self._answer(40058, "invalid json")
        if (failed := self._failure(robot)) is not None:
            return failed
        kind = body.get("msgtype")
        if kind not in ("text", "markdown"):
            return self._answer(40008, "invalid message type")
        content = str((body.get(kind) or {}).get("content") or "")
        if not content:
            return self._answer(44004, "empty content")
        if len(content.encode()) > (2048 if kind == "text" else 4096):
            return self._answer(40058, "content exceed max length")
        now = self.clock()
        if self._over_limit(robot, now):
            self.violations.append(("wecom", key, 45009))
            return self._answer(45009, "api freq out of limit")
        self._accept("wecom", key, robot, body, now)
        return self._answer(0, "ok")

    def _signed(self, robot: _Robot, timestamp: str, sign: str) -> bool:
        if robot.secret is None:
            return True
        if not timestamp.isdigit() or abs(self.wall_ms() - int(timestamp)) > 3600_000:
            return False
        expected = base64.b64encode(
            hmac.new(
                robot.secret.encode(), f"{timestamp}\n{robot.secret}".encode(), hashlib.sha256
            ).digest()
        ).decode()
        return hmac.compare_digest(expected.encode(), sign.encode())

    async def _dingtalk(self, request: web.Request) -> web.Response:
        self.requests += 1
        token = request.query.get("access_token", "")
        robot = self.robots.get(("dingtalk", token))
        if robot is None:
            return self._answer(300001, "token is not exist")
        # request.query is URL-decoded: a "+" sent unencoded would arrive as a space here,
        # and fail, as it does at DingTalk.
        if not self._signed(
            robot, request.query.get("timestamp", ""), request.query.get("sign", "")
        ):
            self.bad_signatures += 1
            return self._answer(310000, "sign not match")
        body = await self._body(request)
        if body is None:
            return self._answer(400105, "invalid json")
        if (failed := self._failure(robot)) is not None:
            return failed
        kind = body.get("msgtype")
        part = body.get(kind) if isinstance(body.get(kind), dict) else {}
        if kind == "text" and not part.get("content"):
            return self._answer(400105, "content empty")
        if kind == "markdown" and not (part.get("title") and part.get("text")):
            return self._answer(400105, "markdown needs a title and a text")
        if kind not in ("text", "markdown"):
            return self._answer(400105, "unsupported message type")
        now = self.clock()
        if now < robot.muted_until:
            self.violations.append(("dingtalk", token, 410100))
            return self._answer(410100, "send too fast, robot muted")
        if self._over_limit(robot, now):
            robot.muted_until = now + self.mute_seconds
            self.violations.append(("dingtalk", token, 130101))
            return self._answer(130101, "send too fast, exceed 20 times per minute")
        self._accept("dingtalk", token, robot, body, now)
        return self._answer(0, "ok")
