"""A second channel needs no change in the core: a keeper's intake, sale and month through
the core's form engine with a text-only renderer, in a process that never imports aiogram."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_a_keepers_day_over_a_text_only_channel():
    run = subprocess.run(
        [sys.executable, "-m", "tests.support.text_channel"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    result = json.loads(run.stdout)
    assert not {"aiogram", "aiohttp", "handlers"} & set(result["modules"])
    said = dict(result["transcript"])
    replies = [reply for _, reply in result["transcript"]]
    # Intake in a batch: numbered choices, a pickup code, straight on to the next parcel.
    assert "1. 尚未通知" in replies[3]
    assert "取件码 A-001" in replies[4] and "运单号" in replies[4]
    # The same waybill again is refused at its step, saying which entry has it.
    assert "已经登记过（第 1 条" in replies[5]
    assert "A-002" in replies[9] and "圆通速递" in replies[9]
    # A sale through the form, confirmed by number, and one by one-line form.
    assert "渠道：直播" in replies[14] and "金额：400 元" in replies[14]
    assert "已保存" in replies[15] and "脆李" in replies[15]
    assert "苹果 10斤 80 元" in said["售 苹果 10斤 80"]
    # The month counts both sales and both parcels.
    month = said["本月"]
    assert "上行：480 / 1,000 元" in month and "入库：2" in month and "还差" in month
    # The number read is shown before the next question; sent again, it replaces it.
    assert "识别为 顺丰速运 SF1111111111111，不对请重新发送单号" in said["SF1111111111111"]
    assert "识别为 顺丰速运 SF2222222222222" in said["SF2222222222222"]
    assert "收件人" in said["SF2222222222222"]
    assert "A-003" in replies[-1] and "SF2222222222222" in replies[-1]
