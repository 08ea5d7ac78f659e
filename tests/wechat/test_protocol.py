"""The protocol subset against the published vectors (../shared/WECHAT.md, wechatpy's
tests/test_crypto.py) and against what an attacker or a flaky client would post."""

from __future__ import annotations

import pytest

from handlers.wechat.protocol import (
    AppIdMismatch,
    BadMessage,
    BadSignature,
    MessageCipher,
    check_fresh,
    encrypted_envelope,
    parse_envelope,
    parse_message,
    sign,
    text_reply,
    verify,
)

TOKEN, AES_KEY, APPID = (
    "123456",
    "kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aR",
    "wx49f0ab532d5d035a",
)
VECTOR_ENCRYPT = (
    "RgqEoJj5A4EMYlLvWO1F86ioRjZfaex/gePD0gOXTxpsq5Yj4GNglrBb8I2BAJVODGajiFnXBu7mCPatfjsu6IHCrsTy"
    "eDXzF6Bv283dGymzxh6ydJRvZsryDyZbLTE7rhnus50qGPMfp2wASFlzEgMW9z1ef/RD8XzaFYgm7iTdaXpXaG4+BiYy"
    "olBug/gYNx410cvkKR2/nPwBiT+P4hIiOAQqGp/TywZBtDh1yCF2KOd0gpiMZ5jSw3e29mTvmUHzkVQiMS6td7vXUaWO"
    "MZnYZlF3So2SjHnwh4jYFxdgpkHHqIrH/54SNdshoQgWYEvccTKe7FS709/5t6NMxuGhcUGAPOQipvWTT4dShyqio7ml"
    "sl5noTrb++x6En749zCpQVhDpbV6GDnTbcX2e8K9QaNWHp91eBdCRxthuL0="
)
VECTOR_BODY = (
    "<xml><ToUserName><![CDATA[wx49f0ab532d5d035a]]></ToUserName>\n"
    f"<Encrypt><![CDATA[{VECTOR_ENCRYPT}]]></Encrypt>\n"
    "<AgentID><![CDATA[1]]></AgentID>\n</xml>"
)
REPLY = """<xml>
<MsgType><![CDATA[text]]></MsgType>
<Content><![CDATA[test]]></Content>
<FromUserName><![CDATA[wx49f0ab532d5d035a]]></FromUserName>
<ToUserName><![CDATA[messense]]></ToUserName>
<AgentID>1</AgentID>
<CreateTime>1411525903</CreateTime>
</xml>"""
REPLY_ENCRYPT = (
    "9s4gMv99m88kKTh/H8IdkOiMg6bisoy3ypwy9H4hvSPe9nsGaqyw5hhSjdYbcrKk+j3nba4HMOTzHrluLBYqxgNcBqGs"
    "L8GqxlhZgURnAtObvesEl5nZ+uBE8bviY0LWke8Zy9V/QYKxNV2FqllNXcfmstttyIkMKCCmVbCFM2JTF5wY0nFhHZSj"
    "PUL2Q1qvSUCUld+/WIXrx0oyKQmpB6o8NRrrNrsDf03oxI1p9FxUgMnwKKZeOA/uu+2IEvEBtb7muXsVbwbgX05UPPJv"
    "FurDXafG0RQyPR+mf1nDnAtQmmNOuiR5MIkdQ39xn1vWwi1O5oazPoQJz0nTYjxxEE8kv3kFxtAGVRe3ypD3WeK2XeFY"
    "FMNMpatF9XiKzHo3"
)


def test_plain_signature_vector():
    assert sign("test", "1410685589", "test") == "f21891de399b4e33a1a93c9a7b8a8fffb5a443ff"
    verify("f21891de399b4e33a1a93c9a7b8a8fffb5a443ff", "test", "1410685589", "test")


@pytest.mark.parametrize(
    "forged", ["f21891de399b4e33a1a93c9a7b8a8fffb5a443fe", "", "F21891DE", "签名"]
)
def test_forged_signatures_are_refused(forged):
    with pytest.raises(BadSignature):
        verify(forged, "test", "1410685589", "test")


def test_safe_mode_vector_decrypts_and_its_signature_checks():
    envelope = parse_envelope(VECTOR_BODY)
    assert envelope["Encrypt"] == VECTOR_ENCRYPT
    verify(
        "74d92dfeb87ba7c714f89d98870ae5eb62dff26d",
        TOKEN,
        "1411525903",
        "461056294",
        envelope["Encrypt"],
    )
    message = parse_message(MessageCipher(AES_KEY, APPID).decrypt(envelope["Encrypt"]))
    assert (message.openid, message.content, message.kind) == ("messense", "test", "text")
    assert message.msg_id == "4363689963896700987" and message.created == 1411525903


def test_safe_mode_encrypt_vector():
    cipher = MessageCipher(AES_KEY, APPID)
    encrypted = cipher.encrypt(REPLY, random16=b"1234567890123456")
    assert encrypted == REPLY_ENCRYPT
    assert sign(TOKEN, "1411525903", "461056294", encrypted) == (
        "407518b7649e86ef23978113f92d27afa9296533"
    )
    assert cipher.decrypt(encrypted) == REPLY


def test_another_accounts_message_is_refused():
    other = MessageCipher(AES_KEY, "wx0000000000000000")
    with pytest.raises(AppIdMismatch):
        other.decrypt(VECTOR_ENCRYPT)
    with pytest.raises(AppIdMismatch):
        other.decrypt("bm90IGJsb2Nrcw==")  # not whole blocks
    with pytest.raises(AppIdMismatch):
        other.decrypt("***")


def test_the_timestamp_window():
    assert check_fresh("1000", now=1100, window=300) == 1000
    for stale in ("600", "1500", "", "abc"):
        with pytest.raises(BadSignature):
            check_fresh(stale, now=1100, window=300)


def test_doctype_and_entities_are_refused():
    bomb = (
        '<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY a "aaaaaaaaaa">'
        '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]><xml><Content>&b;</Content></xml>'
    )
    with pytest.raises(BadMessage):
        parse_message(bomb)
    external = '<!DOCTYPE xml SYSTEM "file:///etc/passwd"><xml><Content>x</Content></xml>'
    with pytest.raises(BadMessage):
        parse_message(external)


def test_oversized_and_malformed_bodies_are_refused():
    with pytest.raises(BadMessage):
        parse_message("<xml><Content>" + "x" * 70_000 + "</Content></xml>")
    for body in ("not xml", "<html></html>", "<xml><ToUserName>a</ToUserName></xml>", b"\xff\xfe"):
        with pytest.raises(BadMessage):
            parse_message(body)


def test_control_characters_survive():
    body = (
        "<xml><ToUserName><![CDATA[gh_1]]></ToUserName><FromUserName><![CDATA[o1]]></FromUserName>"
        "<CreateTime>1</CreateTime><MsgType><![CDATA[text]]></MsgType>"
        "<Content><![CDATA[售 脆李\x08 20斤\x1f 400]]></Content><MsgId>9</MsgId></xml>"
    )
    assert parse_message(body).content == "售 脆李 20斤 400"


def test_cdata_cannot_be_closed_by_the_text():
    reply = text_reply("o1", "gh_1", "a]]><x>b</x>]]>\x07c", now=5)
    assert parse_message(reply).content == "a]]><x>b</x>]]>c"


def test_events_location_and_qr_scenes():
    def event(name: str, key: str = "", extra: str = "") -> str:
        return (
            "<xml><ToUserName>gh_1</ToUserName><FromUserName>o1</FromUserName>"
            f"<CreateTime>7</CreateTime><MsgType>event</MsgType><Event>{name}</Event>"
            f"<EventKey>{key}</EventKey>{extra}</xml>"
        )

    follow = parse_message(event("subscribe", "qrscene_i_abc"))
    assert follow.qr_scene == "i_abc" and follow.dedup_key == "e:o1:7:subscribe:qrscene_i_abc"
    assert parse_message(event("SCAN", "i_abc")).qr_scene == "i_abc"
    assert parse_message(event("subscribe")).qr_scene is None
    located = parse_message(
        event("LOCATION", extra="<Latitude>23.1</Latitude><Longitude>113.3</Longitude>")
    )
    assert located.location.latitude == "23.1" and located.qr_scene is None
    place = parse_message(
        "<xml><ToUserName>gh_1</ToUserName><FromUserName>o1</FromUserName><CreateTime>7"
        "</CreateTime><MsgType>location</MsgType><Location_X>23.134</Location_X>"
        "<Location_Y>113.358</Location_Y><Scale>20</Scale><Label>村口</Label><MsgId>5</MsgId></xml>"
    )
    assert place.location.label == "村口" and place.dedup_key == "m:5"


def test_encrypted_envelope_reads_back():
    envelope = parse_envelope(encrypted_envelope("abc]]>", "sig", "1", "n"))
    assert envelope == {"Encrypt": "abc]]>", "MsgSignature": "sig", "TimeStamp": "1", "Nonce": "n"}


def test_long_replies_fit_wechats_limit():
    from handlers.wechat.chat import _fit

    lines = "\n".join(
        f"A-{n:03d} · 张三 *1234 · SF1234567890123 · 2026-11-24 10:00" for n in range(80)
    )
    fitted = _fit(lines)
    assert len(fitted.encode()) <= 2000 and fitted.endswith("\n…")
    assert fitted.splitlines()[-2].startswith("A-") and fitted.splitlines()[-2].endswith("10:00")
    assert _fit("本月") == "本月"
