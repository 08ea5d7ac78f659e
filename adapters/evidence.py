"""The evidence store: photos and files behind subsidy claims, kept on disk for audit.

Files are content-addressed (`ab/abcdef….jpg` under the store's root, named by their
SHA-256), written once through a temporary file and an atomic rename, and never deleted
or overwritten by the bot: the same image sent twice is one file, and its hash is how
the same receipt in two claims is found.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Stored:
    sha256: str
    size: int
    path: str  # relative to the store's root


class EvidenceStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    def put(self, data: bytes, suffix: str = ".jpg") -> Stored:
        digest = hashlib.sha256(data).hexdigest()
        suffix = suffix if suffix.startswith(".") and len(suffix) <= 8 else ".bin"
        relative = Path(digest[:2]) / f"{digest}{suffix.lower()}"
        target = self.root / relative
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".incoming-")
            try:
                with os.fdopen(handle, "wb") as out:
                    out.write(data)
                    out.flush()
                    os.fsync(out.fileno())
                os.replace(temporary, target)
            except BaseException:
                Path(temporary).unlink(missing_ok=True)
                raise
        return Stored(digest, len(data), relative.as_posix())

    def read(self, relative: str) -> bytes:
        return (self.root / relative).read_bytes()
