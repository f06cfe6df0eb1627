#!/usr/bin/env bash
# MuseScore check (not in the default tests): render a song.json's lead sheet and convert it to PDF headless.
#   bash benchmarks/musescore_pdf.sh [SONG.json [KEEP_DIR NAME]]     (default: examples/song.json)
# With KEEP_DIR and NAME the PDF is kept as KEEP_DIR/NAME.pdf and its first two pages as NAME-1.png, NAME-2.png.
# Needs Debian's MuseScore 3 and poppler:  apt-get install --no-install-recommends musescore3 poppler-utils
# Prints JSON: whether the PDF was made, its pages and size, the conversion time, and whether the section
# marks, chord symbols and lyric syllables of the song are in the PDF's text.
set -euo pipefail
cd "$(dirname "$0")/.."
SONG=${1:-examples/song.json}
command -v mscore3 >/dev/null || { echo "mscore3 not found: apt-get install --no-install-recommends musescore3" >&2; exit 2; }
command -v pdftotext >/dev/null || { echo "pdftotext not found: apt-get install poppler-utils" >&2; exit 2; }
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
.venv/bin/musegen render "$SONG" --out "$TMP/song" --no-audio >/dev/null 2>&1
START=$(date +%s.%N)
QT_QPA_PLATFORM=offscreen XDG_RUNTIME_DIR="$TMP" mscore3 -o "$TMP/song.pdf" "$TMP/song/song.musicxml" \
    >"$TMP/mscore.log" 2>&1 || true
END=$(date +%s.%N)
[ -s "$TMP/song.pdf" ] || { echo '{"pdf_made": false}'; cat "$TMP/mscore.log" >&2; exit 1; }
pdftotext "$TMP/song.pdf" "$TMP/song.txt"
if [ $# -ge 3 ]; then
    mkdir -p "$2"
    cp "$TMP/song.pdf" "$2/$3.pdf"
    pdftoppm -png -r 90 -f 1 -l 2 "$TMP/song.pdf" "$2/$3"
fi
.venv/bin/python - "$SONG" "$TMP" "$START" "$END" <<'PYEOF'
import json, re, subprocess, sys
from pathlib import Path

from musegen.render.common import section_labels
from musegen.songfile import load_song

song_path, tmp, start, end = sys.argv[1], Path(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])
song = load_song(song_path)
text = (tmp / "song.txt").read_text().replace("\u266d", "b").replace("\u266f", "#")  # ♭ ♯ glyphs
text = text.replace("\ufb01", "fi").replace("\ufb02", "fl")  # the fi and fl ligatures ("ﬂy" is "fly")
words = set(re.findall(r"[\w'#]+", text))
syllables = [re.sub(r"[^\w']", "", s.text) for s in song.syllables()]
chords = {c.symbol for c in song.chords}
info = subprocess.run(["pdfinfo", str(tmp / "song.pdf")], capture_output=True, text=True).stdout
pages = int(re.search(r"Pages:\s+(\d+)", info).group(1)) if "Pages:" in info else None
log = (tmp / "mscore.log").read_text()
print(json.dumps({
    "song": song_path,
    "pdf_made": True,
    "pdf_bytes": (tmp / "song.pdf").stat().st_size,
    "pages": pages,
    "mscore3_seconds": round(end - start, 2),
    "mscore3_errors": [ln for ln in log.splitlines() if "rror" in ln],
    "section_marks_found": all(lab in text for lab in section_labels(song)),
    "syllables_found_share": round(sum(s in words for s in syllables if s) / max(1, len(syllables)), 3),
    "chord_symbols_found_share": round(sum(c in words for c in chords) / max(1, len(chords)), 3),
}, indent=1))
PYEOF
