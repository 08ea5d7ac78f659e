#!/usr/bin/env bash
# Refresh the translation catalogs: extract source strings, merge into each .po, compile .mo.
# Run after changing any user-facing string; tests/test_i18n.py fails until you do.
set -euo pipefail
cd "$(dirname "$0")/.."
PYBABEL=${PYBABEL:-.venv/bin/pybabel}
POT=bot/locales/messages.pot
"$PYBABEL" extract -F babel.cfg -k t -k N_ --no-location --sort-output \
  --project=cunzhan --copyright-holder="Cunzhan" -o "$POT" bot handlers jobs storage 2>/dev/null
for lang in zh en; do
  po=bot/locales/$lang/LC_MESSAGES/messages.po
  if [ -f "$po" ]; then
    "$PYBABEL" update -i "$POT" -d bot/locales -l "$lang" --no-fuzzy-matching --ignore-obsolete
  else
    "$PYBABEL" init -i "$POT" -d bot/locales -l "$lang"
  fi
done
"$PYBABEL" compile -d bot/locales --statistics
