"""Safe mode (安全模式): AES-256-CBC with the account's EncodingAESKey.

plaintext = 16 random bytes ‖ uint32 big-endian length ‖ XML ‖ appid, PKCS#7-padded to
32-byte blocks; key = base64(EncodingAESKey + "="), IV = key[:16]. The appid at the end is
checked: a message encrypted for another account (same key reused) is refused.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import os
import struct

from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

BLOCK_BITS = 32 * 8  # WeChat pads to 32 bytes, not AES's 16


class AppIdMismatch(ValueError):
    """Decrypted, but not for this account; or not decryptable at all."""


class MessageCipher:
    def __init__(self, encoding_aes_key: str, appid: str) -> None:
        try:
            key = base64.b64decode(encoding_aes_key + "=", validate=True)
        except binascii.Error:
            raise ValueError("EncodingAESKey is not base64") from None
        if len(key) != 32:
            raise ValueError("EncodingAESKey must be 43 characters (32 bytes)")
        self._key, self._iv = key, key[:16]
        self.appid = appid

    def _cipher(self) -> Cipher:
        return Cipher(algorithms.AES(self._key), modes.CBC(self._iv))

    def encrypt(self, xml: str, random16: bytes | None = None) -> str:
        body = xml.encode()
        prefix = random16 if random16 is not None else os.urandom(16)
        plain = prefix + struct.pack(">I", len(body)) + body + self.appid.encode()
        padder = padding.PKCS7(BLOCK_BITS).padder()
        padded = padder.update(plain) + padder.finalize()
        encryptor = self._cipher().encryptor()
        return base64.b64encode(encryptor.update(padded) + encryptor.finalize()).decode()

    def decrypt(self, encrypted: str) -> str:
        try:
            data = base64.b64decode(encrypted, validate=True)
            if not data or len(data) % 16:
                raise ValueError("not whole AES blocks")
            decryptor = self._cipher().decryptor()
            padded = decryptor.update(data) + decryptor.finalize()
            unpadder = padding.PKCS7(BLOCK_BITS).unpadder()
            plain = unpadder.update(padded) + unpadder.finalize()
            (length,) = struct.unpack(">I", plain[16:20])
            body, appid = plain[20 : 20 + length], plain[20 + length :]
            if len(body) != length:
                raise ValueError("length beyond the message")
            xml = body.decode()
        except (ValueError, binascii.Error, struct.error, UnicodeDecodeError) as error:
            raise AppIdMismatch(f"cannot decrypt: {error}") from None
        if not hmac.compare_digest(appid, self.appid.encode()):
            raise AppIdMismatch("message is for another appid")
        return xml
