"""The notice-board poster: /poster through the real Dispatcher and `python -m bot poster`
as a subprocess. The PDF's text read back contains the Chinese heading, the station, its
village and the keeper's board; the QR code in the PNG decodes (zxing-cpp) to the station's
deep link; a county's posters are one PDF, one page per station; a reprint carries the same
code, and after /revoke_qr the old one answers "no longer valid"."""

from __future__ import annotations

import io
import re

import pytest
import zxingcpp
from aiogram.methods import SendDocument, SendPhoto
from PIL import Image
from pypdf import PdfReader

from bot.domain.roles import Role
from tests.telegram.test_notice_board_profile import fill_profile
from tests.telegram.test_notice_board_scans import station_code
from tests.test_cli import cli

HEADING = "全国电子商务进农村综合示范项目"


def pdf_text(data: bytes) -> list[str]:
    """Each page's text, whitespace removed. fpdf2 embeds the CFF font (Noto Sans CJK) with
    its own code-to-CID CMap; pypdf reads the two-byte codes as one byte each, so every
    character comes back after a NUL. The characters themselves are right (poppler's
    pdftotext reads the same file cleanly), so the NULs are dropped too."""
    pages = PdfReader(io.BytesIO(data)).pages
    return ["".join(page.extract_text().replace("\x00", "").split()) for page in pages]


def qr_payloads(png: bytes) -> list[str]:
    return [code.text for code in zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))]


def sent_files(sent) -> tuple[bytes, bytes]:
    [document] = [c for c in sent.calls if isinstance(c, SendDocument)]
    [photo] = [c for c in sent.calls if isinstance(c, SendPhoto)]
    return document.document.data, photo.photo.data


async def test_a_keeper_prints_the_poster_of_their_board(app, chat, people, tmp_path):
    keeper = await people.register(200, Role.KEEPER, "A-S1")
    await fill_profile(chat, keeper, "姓名和电话", "138 1234 5678", save="保存")
    pdf, png = sent_files(await chat.send(keeper, "/poster"))
    (tmp_path / "poster.pdf").write_bytes(pdf)
    (tmp_path / "poster.png").write_bytes(png)
    [page] = pdf_text(pdf)
    for words in (HEADING, "桃园村服务站", "桃园村", "东乡", "甲县", "营业时间", "每天8:00-20:00"):
        assert words in page, (words, page)
    for words in ("快递收发、代购代销、话费充值", "代收快递免费；寄件首重8元", "13812345678"):
        assert words in page, (words, page)
    code = await station_code(app)
    assert qr_payloads(png) == [f"https://t.me/cunzhan_test_bot?start={code}"]
    # The same code on a reprint; a new one after /revoke_qr, and the old one is dead.
    _, again = sent_files(await chat.send(keeper, "/poster"))
    assert qr_payloads(again) == qr_payloads(png)
    staff = await people.register(300, Role.COUNTY_STAFF, "A", language="en")
    await chat.send(staff, "/revoke_qr A-S1")
    _, reprint = sent_files(await chat.send(keeper, "/poster"))
    assert qr_payloads(reprint) != qr_payloads(png)
    villager = chat.user(900, "en")
    assert "no longer valid" in (await chat.send(villager, f"/start {code}")).text


async def test_staff_print_a_station_in_scope_only(app, chat, people):
    staff = await people.register(300, Role.COUNTY_STAFF, "A", language="en")
    pdf, png = sent_files(await chat.send(staff, "/poster A-S3"))
    assert "李庄村服务站" in pdf_text(pdf)[0] and len(qr_payloads(png)) == 1
    assert "outside" in (await chat.send(staff, "/poster B-S1")).text
    assert "Send the station code" in (await chat.send(staff, "/poster")).text
    operator = await people.register(301, Role.TOWNSHIP_OPERATOR, "A-T1", language="en")
    assert "not allowed" in (await chat.send(operator, "/poster A-S1")).text


def test_the_cli_prints_a_county_one_page_per_station(tmp_path):
    db = tmp_path / "cli.db"
    sample = "bot/samples/network_sample.csv"
    assert cli("network", "import", sample, db=db).returncode == 0
    out = tmp_path / "posters"
    done = cli("poster", "--county", "DEMO", str(out), "--bot-username", "cz_bot", db=db)
    assert done.returncode == 0, done.stdout + done.stderr
    pages = pdf_text((out / "DEMO-POSTERS.pdf").read_bytes())
    codes = sorted(p.name[:-4] for p in out.glob("DEMO-S*.png"))
    assert len(pages) == len(codes) == 8
    for page, code in zip(pages, codes, strict=True):
        assert HEADING in page and code in page
    links = qr_payloads((out / "DEMO-S001.png").read_bytes())
    assert len(links) == 1 and re.fullmatch(r"https://t\.me/cz_bot\?start=s_[\w-]{22}", links[0])
    # A reprint of one station: the same code as in the county's run.
    again = cli(
        "poster", "--station", "DEMO-S001", str(tmp_path / "one"), "--bot-username", "cz_bot", db=db
    )
    assert again.returncode == 0
    assert qr_payloads((tmp_path / "one" / "DEMO-S001.png").read_bytes()) == links
    assert (
        "没有编码为 NOPE 的站点"
        in cli("poster", "--station", "NOPE", str(out), "--bot-username", "x", db=db).stdout
    )


def test_without_a_chinese_font_the_poster_says_what_to_install(monkeypatch):
    from adapters import poster

    poster.find_cjk_font.cache_clear()
    monkeypatch.setattr(poster.shutil, "which", lambda name: None)  # no fontconfig
    monkeypatch.setattr(
        poster, "KNOWN_FONTS", (("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", 0),)
    )
    try:
        with pytest.raises(poster.CjkFontMissing, match="fonts-noto-cjk"):
            poster.find_cjk_font()  # DejaVu is there, but has no 村: it would print boxes
    finally:
        poster.find_cjk_font.cache_clear()
