"""The demo's notice-board walk, as the README and the demo's help describe it: the
keeper prints the poster and scans it to check in (the location button), a newcomer
scans it, subscribes with the contact button, and is told when the keeper logs a parcel
for that number; staff scanning it start an inspection. `python -m bot demo --script`."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = """\
:as keeper
/poster
:scan
:1
:as new
:scan
:3
:1
:as keeper
入 SF1234567890 张三 138 0013 8000
:wait 3
:as staff
:scan
:1
"""


def test_the_demo_walks_the_notice_board(tmp_path):
    script = tmp_path / "walk.txt"
    script.write_text(SCRIPT, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "bot", "demo", "--script", str(script)],
        cwd=tmp_path,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=180,
    )
    out = done.stdout
    assert done.returncode == 0, out + done.stderr
    assert "公示海报" in out and "start=s_" in out  # the poster, its link in the caption
    assert "已通过位置核验" in out  # the keeper's check-in at DEMO-S001
    assert "已订阅：尾号 8000" in out  # the newcomer's own contact
    assert "已通知收件人" in out  # the keeper's intake answer
    assert "尾号 8000 的包裹已到青山村电商服务站" in out  # the newcomer's notice
    assert "检查清单" in out  # staff: an inspection
