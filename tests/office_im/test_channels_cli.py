"""`python -m bot channels add|list|remove`, run as operators run it (a subprocess):
robots per county, secrets from the environment, never printed in full, never twice."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from tests.test_cli import cli

SAMPLE = Path(__file__).resolve().parents[2] / "bot" / "samples" / "network_sample.csv"
KEY = "693a91f6-7aaa-4bc4-97a0-0ec2sifa5aaa"
TOKEN = "b7c1e0f2a93d4d55a7d6e9c4f1e2d3c4dead"
SECRET = "SEC0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcd"


@pytest.fixture
def db(tmp_path):
    db = tmp_path / "robots.db"
    assert cli("network", "import", str(SAMPLE), db=db).returncode == 0
    return db


def test_a_county_gets_a_wecom_and_a_dingtalk_robot_and_loses_one(db):
    wecom = cli(
        "channels", "add", "--county", "DEMO", "wecom", "--name", "县电商办",
        db=db,
        CUNZHAN_ROBOT_WEBHOOK=f"https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key={KEY}",
    )  # fmt: skip
    assert wecom.returncode == 0, wecom.stderr
    assert "#1" in wecom.stdout and "…5aaa" in wecom.stdout
    dingtalk = cli(
        "channels", "add", "--county", "DEMO", "dingtalk", "--name", "钉钉群", "--instead",
        db=db, CUNZHAN_ROBOT_WEBHOOK=TOKEN, CUNZHAN_ROBOT_SECRET=SECRET,
    )  # fmt: skip
    assert dingtalk.returncode == 0, dingtalk.stderr
    assert "signed" in dingtalk.stdout and "instead of staff chats" in dingtalk.stdout

    listed = cli("channels", "list", db=db)
    lines = listed.stdout.splitlines()
    assert len(lines) == 2 and lines[0].startswith("#1 DEMO wecom")
    assert "instead-of-staff-chats" in lines[1]
    everything = wecom.stdout + wecom.stderr + dingtalk.stdout + dingtalk.stderr + listed.stdout
    for secret in (KEY, TOKEN, SECRET):
        assert secret not in everything
        assert secret[:-4] not in everything  # not even most of it

    assert cli("channels", "remove", "1", db=db).returncode == 0
    assert cli("channels", "list", db=db).stdout.count("\n") == 1
    assert "removed" in cli("channels", "list", "--removed", db=db).stdout
    again = cli("channels", "remove", "1", db=db)
    assert again.returncode == 1 and "no robot #1" in again.stderr
    with closing(sqlite3.connect(db)) as conn:
        actions = [r[0] for r in conn.execute("SELECT action FROM audit_log ORDER BY id")]
        details = " ".join(r[0] or "" for r in conn.execute("SELECT details FROM audit_log"))
    assert actions[-3:] == ["channels.add", "channels.add", "channels.remove"]
    assert KEY not in details and TOKEN not in details


def test_the_same_robot_twice_and_bad_input_are_refused_with_a_reason(db):
    add = ("channels", "add", "--county", "DEMO", "wecom", "--name", "群")
    assert cli(*add, db=db, CUNZHAN_ROBOT_WEBHOOK=KEY).returncode == 0
    twice = cli(*add, db=db, CUNZHAN_ROBOT_WEBHOOK=KEY)
    assert twice.returncode == 1 and "already configured as #1" in twice.stderr
    no_key = cli(
        *add, db=db, CUNZHAN_ROBOT_WEBHOOK="https://qyapi.weixin.qq.com/cgi-bin/webhook/send"
    )
    assert no_key.returncode == 2 and "key=" in no_key.stderr
    unsigned = cli(
        "channels", "add", "--county", "DEMO", "dingtalk", "--name", "钉",
        db=db, CUNZHAN_ROBOT_WEBHOOK=TOKEN, CUNZHAN_ROBOT_SECRET="not-a-secret",
    )  # fmt: skip
    assert unsigned.returncode == 2 and "SEC" in unsigned.stderr
    nowhere = cli(
        "channels", "add", "--county", "NOPE", "wecom", "--name", "x",
        db=db, CUNZHAN_ROBOT_WEBHOOK="another-key",
    )  # fmt: skip
    assert nowhere.returncode == 1 and "no county" in nowhere.stderr
    assert cli("channels", "list", db=db).stdout.count("#") == 1


async def acli(*args: str, db: Path, **env: str) -> tuple[int, str, str]:
    """The CLI as its own process while this test's event loop serves the robot double."""
    import asyncio
    import os
    import sys

    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", *args,
        cwd=SAMPLE.parents[2],
        env={**os.environ, "CUNZHAN_DATABASE_URL": f"sqlite+aiosqlite:///{db}", **env},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(process.communicate(), 60)
    return process.returncode, out.decode(), err.decode()


async def test_channels_test_sends_one_signed_message_or_says_why_not(db):
    from devtools.office_im_double import RobotDouble

    double = RobotDouble()
    await double.start()
    double.dingtalk(TOKEN, SECRET)
    api = {"CUNZHAN_DINGTALK_API_BASE": double.base_url, "CUNZHAN_WECOM_API_BASE": double.base_url}
    try:
        add = ("channels", "add", "--county", "DEMO", "dingtalk", "--name", "钉钉群")
        assert (
            cli(*add, db=db, CUNZHAN_ROBOT_WEBHOOK=TOKEN, CUNZHAN_ROBOT_SECRET=SECRET).returncode
            == 0
        )
        code, out, _ = await acli("channels", "test", "1", db=db, **api)
        assert code == 0 and "accepted a test message" in out
        [message] = double.received
        assert message.text == "村站测试消息：本群将接收DEMO的工作人员通知。"
        assert double.bad_signatures == 0

        # A robot whose key was reset in WeCom: the operator reads why, not the key.
        assert (
            cli(*add[:4], "wecom", "--name", "旧群", db=db, CUNZHAN_ROBOT_WEBHOOK=KEY).returncode
            == 0
        )
        code, _, err = await acli("channels", "test", "2", db=db, **api)
        assert code == 1 and "93000" in err and KEY not in err
    finally:
        await double.close()
