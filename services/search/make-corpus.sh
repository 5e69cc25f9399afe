#!/usr/bin/env bash
# Regenerates services/search/corpus.txt from Debian package descriptions.
#
# Run once by hand; the output is committed, so builds never depend on the
# packages installed on the building machine. One document per line:
#     name <TAB> short description <TAB> long description
# sorted by name (bytewise). The line number (from 0) is the document id.
#
# Sources: every installed package (from /var/lib/dpkg/status, which keeps the
# long descriptions), then available packages from `apt-cache dumpavail` (short
# descriptions only, as the package lists carry no translations) taken from
# application sections with a fixed stride until TARGET documents.
set -euo pipefail
cd "$(dirname "$0")"
TARGET=${TARGET:-4000}
export LC_ALL=C

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp /var/lib/dpkg/status "$tmp/status"
apt-cache dumpavail > "$tmp/avail"

python3 - "$tmp/status" "$tmp/avail" "$TARGET" > corpus.txt <<'PY'
import sys

status_path, avail_path, target = sys.argv[1], sys.argv[2], int(sys.argv[3])

# Sections whose packages describe programs a person might search for; library,
# language-module and documentation sections are thousands of near-identical lines.
KEEP = {"admin", "comm", "database", "devel", "editors", "electronics", "embedded",
        "games", "gnome", "graphics", "hamradio", "httpd", "interpreters", "kde",
        "mail", "math", "misc", "net", "news", "science", "shells", "sound", "tex",
        "text", "utils", "vcs", "video", "web", "x11", "xfce"}

def stanzas(path):
    with open(path, "rb") as f:
        data = f.read().decode("utf-8", errors="replace")
    for block in data.split("\n\n"):
        fields, last = {}, None
        for line in block.split("\n"):
            if not line:
                continue
            if line[0] in " \t" and last:
                fields[last] += "\n" + line
            elif ":" in line:
                last, _, value = line.partition(":")
                fields[last] = value.strip()
        if "Package" in fields and "Description" in fields:
            yield fields

def clean(text):
    return " ".join(text.replace("\t", " ").split())

def doc(fields):
    first, _, rest = fields["Description"].partition("\n")
    lines = []
    for line in rest.split("\n"):
        line = line.strip()
        if line == ".":          # paragraph separator in deb822 descriptions
            continue
        lines.append(line)
    return fields["Package"], clean(first), clean(" ".join(lines))

docs = {}
for f in stanzas(status_path):
    if f.get("Status", "").endswith(" installed"):
        name, short, long_ = doc(f)
        docs.setdefault(name, (short, long_))

candidates = {}
for f in stanzas(avail_path):
    name = f["Package"]
    section = f.get("Section", "").split("/")[-1]
    if name in docs or section not in KEEP:
        continue
    if name.endswith(("-dbg", "-dbgsym", "-doc", "-dev", "-data", "-common")):
        continue
    candidates.setdefault(name, doc(f)[1:])

need = max(0, target - len(docs))
names = sorted(candidates)
if need and names:
    stride = max(1, len(names) // need)
    for name in names[::stride][:need]:
        docs[name] = candidates[name]

for name in sorted(docs, key=lambda s: s.encode()):
    short, long_ = docs[name]
    print(f"{name}\t{short}\t{long_}")
PY

echo "corpus.txt: $(wc -l < corpus.txt) documents, $(wc -c < corpus.txt) bytes"
