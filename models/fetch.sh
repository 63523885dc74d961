#!/usr/bin/env bash
# Brings the matcher's embedding model, WordLlama l2_supercat 256-d (MIT licence,
# https://github.com/dleemiller/WordLlama), into models/wordllama-l2-256/: its tokenizer and
# token vectors, taken from the `wordllama` wheel on PyPI and checked against the SHA-256 sums
# committed beside this script. Does nothing when the files are already there and intact.
# Needs python3 with pip (PyPI or a mirror that pip is configured for).
set -euo pipefail
cd "$(dirname "$0")"
VERSION=0.4.0.post1
DEST=wordllama-l2-256
if sha256sum --check --status "$DEST.sha256" 2>/dev/null; then
    echo "models/$DEST: present"
    exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# The files inside are the same for every platform's wheel; this one is pinned by version.
python3 -m pip download --quiet --no-deps --disable-pip-version-check \
    --only-binary=:all: --python-version 3.11 --platform manylinux2014_x86_64 \
    -d "$tmp" "wordllama==$VERSION"
mkdir -p "$DEST"
python3 - "$tmp"/wordllama-*.whl "$DEST" <<'PY'
import sys, zipfile
wheel, dest = sys.argv[1], sys.argv[2]
files = {
    "wordllama/tokenizers/l2_supercat_tokenizer_config.json": "tokenizer.json",
    "wordllama/weights/l2_supercat_256.safetensors": "weights.safetensors",
}
with zipfile.ZipFile(wheel) as z:
    for name, out in files.items():
        with z.open(name) as src, open(f"{dest}/{out}", "wb") as dst:
            dst.write(src.read())
    with z.open("wordllama-0.4.0.post1.dist-info/licenses/LICENSE") as src, open(f"{dest}/LICENSE", "wb") as dst:
        dst.write(src.read())
PY
sha256sum --check "$DEST.sha256"
echo "models/$DEST: fetched"
