"""The two robot webhook APIs on aiohttp, and their answers in the outbox's terms.

Both answer HTTP 200 with `{"errcode": 0, "errmsg": "ok"}` or an error code. The codes
this module knows (from the WeCom and DingTalk developer documentation):

    WeCom     45009            api freq out of limit (20/min per robot)   RetryAfter(60)
              93000            invalid webhook url: robot deleted, key reset  Blocked
              40008 40058 44004  bad type / parameter / empty content     Rejected
              -1               system busy                                Transient
    DingTalk  130101 410100    sent too fast: over 20/min, muted 10 min   RetryAfter(600)
              300001 400101 400102 400106 400013
                               token unknown, robot stopped or gone,
                               group dissolved                            Blocked
              310000           signature, keyword or IP check failed      Transient
              400105 430101-430104  unsupported message, content refused  Rejected

Anything else (an unknown code, HTTP 5xx, an HTML page from a proxy, a timeout, a network
error) is `Transient`: tried again with backoff. A wrong signing secret is `Transient`
rather than `Rejected` so that alerts wait (about 45 minutes of retries) for an operator to
fix it with `channels add` instead of being given up at once.

The URL carries the secret (WeCom's key, DingTalk's token and signature), so no error text
built here includes it: aiohttp's exceptions print their URL, and are replaced by their
class name.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import quote_plus

import aiohttp
from yarl import URL

from handlers.office_im.signing import dingtalk_query
from jobs.outbox_worker import Blocked, Rejected, RetryAfter, Transient

WECOM_API = "https://qyapi.weixin.qq.com"
DINGTALK_API = "https://oapi.dingtalk.com"

WECOM_RATE_LIMITED = {45009}
WECOM_GONE = {93000}
WECOM_REFUSED = {40008, 40058, 44004}
DINGTALK_RATE_LIMITED = {130101, 410100}
DINGTALK_GONE = {300001, 400101, 400102, 400106, 400013}
DINGTALK_REFUSED = {400105, 430101, 430102, 430103, 430104}
WECOM_PAUSE = 60.0  # its limit is per minute
DINGTALK_PAUSE = 600.0  # over the limit, DingTalk mutes the robot for 10 minutes


async def _post(
    session: aiohttp.ClientSession, url: URL, payload: dict[str, Any], seconds: float
) -> tuple[int, str]:
    try:
        async with session.post(
            url, json=payload, timeout=aiohttp.ClientTimeout(total=seconds)
        ) as response:
            status = response.status
            raw = await response.read()
    except TimeoutError as error:
        raise Transient("timed out") from error
    except aiohttp.ClientError as error:  # str() would print the URL, secret and all
        raise Transient(f"network error: {type(error).__name__}") from error
    if status >= 400:
        raise Transient(f"HTTP {status}")
    try:
        answer = json.loads(raw)
        code = int(answer.get("errcode", -1))
    except (ValueError, AttributeError, TypeError) as error:
        raise Transient(f"HTTP {status}, not a JSON answer") from error
    return code, str(answer.get("errmsg", ""))[:200]


class WeComClient:
    def __init__(
        self, session: aiohttp.ClientSession, api_base: str = WECOM_API, timeout: float = 20
    ):
        self.session, self.base, self.timeout = session, api_base.rstrip("/"), timeout

    async def send(self, key: str, payload: dict[str, Any]) -> None:
        url = URL(f"{self.base}/cgi-bin/webhook/send?key={quote_plus(key)}", encoded=True)
        code, message = await _post(self.session, url, payload, self.timeout)
        if code == 0:
            return
        what = f"WeCom errcode {code}: {message}"
        if code in WECOM_RATE_LIMITED:
            raise RetryAfter(WECOM_PAUSE)
        if code in WECOM_GONE:
            raise Blocked(what)
        if code in WECOM_REFUSED:
            raise Rejected(what)
        raise Transient(what)


class DingTalkClient:
    def __init__(
        self,
        session: aiohttp.ClientSession,
        api_base: str = DINGTALK_API,
        timeout: float = 20,
        clock_ms: Callable[[], int] = lambda: int(time.time() * 1000),
    ):
        self.session, self.base, self.timeout = session, api_base.rstrip("/"), timeout
        self.clock_ms = clock_ms

    async def send(self, access_token: str, secret: str | None, payload: dict[str, Any]) -> None:
        query = dingtalk_query(access_token, secret, self.clock_ms())
        url = URL(f"{self.base}/robot/send?{query}", encoded=True)
        code, message = await _post(self.session, url, payload, self.timeout)
        if code == 0:
            return
        what = f"DingTalk errcode {code}: {message}"
        if code in DINGTALK_RATE_LIMITED:
            raise RetryAfter(DINGTALK_PAUSE)
        if code in DINGTALK_GONE:
            raise Blocked(what)
        if code in DINGTALK_REFUSED:
            raise Rejected(what)
        raise Transient(what)
