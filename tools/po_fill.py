"""Fill empty translations of a catalog from a JSON object {msgid: msgstr}.

.venv/bin/python tools/po_fill.py zh /tmp/zh.json && ./tools/i18n.sh
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

language, source = sys.argv[1], Path(sys.argv[2])
path = Path("bot/locales") / language / "LC_MESSAGES" / "messages.po"
with path.open("rb") as handle:
    catalog = read_po(handle, locale=language)
translations = json.loads(source.read_text(encoding="utf-8"))
filled = 0
for message in catalog:
    if message.id and not message.string and message.id in translations:
        message.string = translations[message.id]
        filled += 1
with path.open("wb") as handle:
    write_po(handle, catalog, width=100, sort_output=True)
missing = [m.id for m in catalog if m.id and not m.string]
print(f"filled {filled}; still empty: {len(missing)}")
for msgid in missing:
    print("  ", json.dumps(msgid, ensure_ascii=False))
