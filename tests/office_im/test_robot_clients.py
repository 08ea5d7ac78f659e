"""The WeCom and DingTalk robot clients over real HTTP against the local double: signed
requests accepted, every error code the APIs use mapped to the outbox's exceptions, and
no secret in any error text."""

from __future__ import annotations

import aiohttp
import pytest

from devtools.office_im_double import RobotDouble
from handlers.office_im.clients import DingTalkClient, WeComClient
from handlers.office_im.signing import dingtalk_query, dingtalk_signature
from jobs.outbox_worker import Blocked, Rejected, RetryAfter, Transient

KEY = "693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa"
TOKEN = "b7c1e0f2a93d4d55a7d6e9c4f1e2d3c4"
SECRET = "SECa4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4b"
TEXT = {"msgtype": "text", "text": {"content": "测试"}}


def test_dingtalk_signature_is_hmac_sha256_of_timestamp_and_secret_base64_url_encoded():
    # A fixed vector (computed once) whose signature has "+", "/" and "=": all three must
    # be percent-encoded in the query, or DingTalk reads "+" as a space.
    sign = dingtalk_signature("SEC-test-secret", 1700000000003)
    assert sign == "Qdj1ZERGOotcXy123+QakbGCqmcv/rswvaNFCdvRqPg="
    assert dingtalk_query("tok", "SEC-test-secret", 1700000000003) == (
        "access_token=tok&timestamp=1700000000003"
        "&sign=Qdj1ZERGOotcXy123%2BQakbGCqmcv%2FrswvaNFCdvRqPg%3D"
    )
    assert dingtalk_query("tok", None, 1) == "access_token=tok"


@pytest.fixture
async def double():
    robots = RobotDouble(per_window=3, window=60, mute_seconds=600)
    await robots.start()
    robots.wecom(KEY)
    robots.dingtalk(TOKEN, SECRET)
    yield robots
    await robots.close()


@pytest.fixture
async def session():
    async with aiohttp.ClientSession() as s:
        yield s


async def test_signed_messages_are_accepted_and_the_limit_answers_with_the_real_codes(
    double, session
):
    wecom = WeComClient(session, double.base_url)
    dingtalk = DingTalkClient(session, double.base_url)
    for _ in range(3):
        await wecom.send(KEY, TEXT)
        await dingtalk.send(TOKEN, SECRET, TEXT)
    assert len(double.accepted("wecom")) == len(double.accepted("dingtalk")) == 3
    assert double.bad_signatures == 0
    with pytest.raises(RetryAfter) as wecom_limit:
        await wecom.send(KEY, TEXT)
    assert wecom_limit.value.seconds == 60
    with pytest.raises(RetryAfter) as muted:
        await dingtalk.send(TOKEN, SECRET, TEXT)
    assert muted.value.seconds == 600  # DingTalk mutes the robot for ten minutes
    with pytest.raises(RetryAfter):
        await dingtalk.send(TOKEN, SECRET, TEXT)  # 410100 while muted
    assert [v[2] for v in double.violations] == [45009, 130101, 410100]


async def test_a_wrong_or_stale_signature_is_refused_and_retried_not_given_up(double, session):
    with pytest.raises(Transient, match="310000"):
        await DingTalkClient(session, double.base_url).send(TOKEN, "SECwrong", TEXT)
    stale = DingTalkClient(session, double.base_url, clock_ms=lambda: 1_000_000)
    with pytest.raises(Transient, match="310000"):
        await stale.send(TOKEN, SECRET, TEXT)
    assert double.bad_signatures == 2 and not double.received


async def test_error_codes_map_to_the_outbox_exceptions(double, session):
    wecom = WeComClient(session, double.base_url)
    dingtalk = DingTalkClient(session, double.base_url)
    with pytest.raises(Blocked, match="93000"):  # robot deleted / key reset
        await wecom.send("unknown-key", TEXT)
    with pytest.raises(Blocked, match="300001"):
        await dingtalk.send("unknown-token", SECRET, TEXT)
    with pytest.raises(Rejected, match="40008"):
        await wecom.send(KEY, {"msgtype": "voice", "voice": {}})
    with pytest.raises(Rejected, match="40058"):
        await wecom.send(KEY, {"msgtype": "text", "text": {"content": "长" * 700}})
    with pytest.raises(Rejected, match="400105"):
        await dingtalk.send(TOKEN, SECRET, {"msgtype": "markdown", "markdown": {"text": "x"}})
    double.fail_next("wecom", KEY, 1, errcode=-1)
    with pytest.raises(Transient, match="-1"):
        await wecom.send(KEY, TEXT)
    double.fail_next("dingtalk", TOKEN, 1, status=502)
    with pytest.raises(Transient, match="HTTP 502"):
        await dingtalk.send(TOKEN, SECRET, TEXT)
    assert not double.received


async def test_network_errors_never_carry_the_secret_in_the_url(session):
    # Nothing listens on port 9: aiohttp's error would print the URL with the key.
    for call in (
        WeComClient(session, "http://127.0.0.1:9").send(KEY, TEXT),
        DingTalkClient(session, "http://127.0.0.1:9").send(TOKEN, SECRET, TEXT),
    ):
        with pytest.raises(Transient) as error:
            await call
        assert KEY not in str(error.value) and TOKEN not in str(error.value)
        assert "network error" in str(error.value)
