#!/usr/bin/env bash
# Builds every Wasm module under services/ from source, reproducibly.
#
#   services/build.sh           build, and write each .wasm beside its source
#   services/build.sh --check   build into a temporary directory and compare byte for
#                               byte with the committed .wasm files; exit 1 naming any
#                               that differ or are missing
#
# Output is byte-identical on every run and machine with the same Debian packages
# (clang/lld 14, wasi-libc, wabt 1.0.32): fixed flags, no debug info, no timestamps,
# paths mapped away, stripped, and a fixed order of inputs. Generated sources
# (the search index) come from committed inputs by deterministic scripts.
#
# Native builds of the benchmark kernels go to bench/native/ (git-ignored, not
# fixtures, not checked).
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
cd "$HERE"
export LC_ALL=C TZ=UTC SOURCE_DATE_EPOCH=0

MODE=build
case "${1:-}" in
  "") ;;
  --check) MODE=check ;;
  -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
  *) echo "usage: $0 [--check]" >&2; exit 2 ;;
esac

# ---- toolchain ---------------------------------------------------------------

PACKAGES="clang lld wasi-libc libclang-rt-dev-wasm32 wabt binaryen"

toolchain_missing() {
  local t
  for t in clang wasm-ld wat2wasm wasm-validate wasm-objdump wasm-opt python3; do
    command -v "$t" >/dev/null 2>&1 || { echo "$t"; return; }
  done
  [ -f /usr/lib/wasm32-wasi/libc.a ] || { echo wasi-libc; return; }
  [ -f "$(clang --target=wasm32-wasi -print-libgcc-file-name 2>/dev/null)" ] || { echo libclang-rt-dev-wasm32; return; }
}

missing=$(toolchain_missing)
if [ -n "$missing" ]; then
  echo "toolchain: $missing is missing; installing: $PACKAGES"
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 || { echo "error: not root and no sudo; install: $PACKAGES python3" >&2; exit 1; }
    SUDO=sudo
  fi
  extra=""
  command -v python3 >/dev/null 2>&1 || extra=python3
  $SUDO apt-get update
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y $PACKAGES $extra
  missing=$(toolchain_missing)
  [ -z "$missing" ] || { echo "error: $missing still missing after apt-get install" >&2; exit 1; }
fi

RT=$(clang --target=wasm32-wasi -print-libgcc-file-name)
echo "toolchain: $(clang --version | head -n1); wabt $(wat2wasm --version 2>/dev/null | head -n1)"
if command -v dpkg-query >/dev/null 2>&1; then
  echo "packages: $(dpkg-query -W -f='${Package} ${Version}  ' clang-14 lld-14 wasi-libc libclang-rt-14-dev-wasm32 wabt 2>/dev/null || true)"
fi

# ---- flags -------------------------------------------------------------------

WORK=$(mktemp -d "${TMPDIR:-/tmp}/tandem-services.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$WORK/gen"

# MVP features only (-mcpu=mvp): any Wasm engine and the fuel injector can take them.
# -ffp-contract=off: no fused multiply-add, so float code means the same everywhere.
COMMON=(-O2 -mcpu=mvp -ffp-contract=off -Wall -Wextra -Werror
        -ffile-prefix-map="$HERE"=. -ffile-prefix-map="$WORK"=build)
# tandem-v1 and verifier modules: no libc, no imports, memory exported. The stack
# sits first (--stack-first), so an overflow traps instead of corrupting data.
FREESTANDING=(--target=wasm32 "${COMMON[@]}" -nostdlib
              -Wl,--no-entry -Wl,--strip-all -Wl,--stack-first -Wl,-z,stack-size=65536)
LIB=(lib/tandem.c lib/freestanding.c)
# wasi-command modules: wasi-libc; -s strips.
WASI=(--target=wasm32-wasi --sysroot=/usr "${COMMON[@]}" -s -DTANDEM_HOSTED)

OUTPUTS=()

built() {   # built <relative output path>
  local f=$1
  OUTPUTS+=("$f")
  printf '  %-34s %8d bytes  sha256 %.16s\n' "$f" "$(wc -c < "$WORK/out/$f")" "$(sha256sum "$WORK/out/$f")"
}

freestanding() {   # freestanding <output> <sources...>
  local out=$1; shift
  mkdir -p "$WORK/out/$(dirname "$out")"
  clang "${FREESTANDING[@]}" -I"$WORK/gen" "${LIB[@]}" "$@" "$RT" -o "$WORK/out/$out"
  built "$out"
}

# ---- modules -----------------------------------------------------------------

echo "building into $([ "$MODE" = check ] && echo "a temporary directory (check)" || echo "$HERE")"

python3 search/gen-index.py search/corpus.txt "$WORK/gen/search_index.h"

freestanding echo/echo.wasm                 echo/echo.c
freestanding matrix/matrix.wasm             matrix/matrix.c
freestanding whisper/whisper.wasm           whisper/whisper.c
freestanding search/search.wasm             search/search.c
# The index file of search/corpus.txt that the demo's search calls name by CID (same corpus, same bytes, same CID).
python3 search/gen-index.py --index search/corpus.txt "$WORK/out/search/corpus.idx"
built search/corpus.idx
freestanding docsearch/docsearch.wasm       docsearch/docsearch.c
freestanding match/match.wasm               match/match.c
freestanding verifiers/equal/equal.wasm       verifiers/verifier.c verifiers/equal/equal.c
freestanding verifiers/majority/majority.wasm verifiers/verifier.c verifiers/majority/majority.c
for k in hash sort matmul; do
  freestanding "bench/$k.wasm" "bench/$k.c"
done

mkdir -p "$WORK/out/wordcount"
clang "${WASI[@]}" lib/tandem.c wordcount/wordcount.c -o "$WORK/out/wordcount/wordcount.wasm"
built wordcount/wordcount.wasm

mkdir -p "$WORK/out/hostile"
for src in $(ls hostile/*.wat | sort); do
  out="hostile/$(basename "$src" .wat).wasm"
  wat2wasm "$src" -o "$WORK/out/$out"
  built "$out"
done

# Guard: the tandem-v1 and verifier modules must validate as plain MVP modules.
for f in "${OUTPUTS[@]}"; do
  case "$f" in wordcount/*|hostile/*|*.idx) continue ;; esac
  wasm-validate --disable-sign-extension --disable-saturating-float-to-int --disable-multi-value \
    --disable-bulk-memory --disable-reference-types "$WORK/out/$f" \
    || { echo "error: $f uses features beyond Wasm MVP" >&2; exit 1; }
done

# ---- check or install ----------------------------------------------------------

if [ "$MODE" = check ]; then
  bad=()
  for f in "${OUTPUTS[@]}"; do
    if [ ! -f "$f" ]; then bad+=("$f (not committed)")
    elif ! cmp -s "$f" "$WORK/out/$f"; then bad+=("$f")
    fi
  done
  if [ ${#bad[@]} -gt 0 ]; then
    echo "CHECK FAILED: these committed modules differ from a fresh build:" >&2
    printf '  %s\n' "${bad[@]}" >&2
    echo "(run services/build.sh to rebuild them; with different Debian package versions the bytes may legitimately differ)" >&2
    exit 1
  fi
  echo "check ok: ${#OUTPUTS[@]} modules identical to a fresh build"
  exit 0
fi

for f in "${OUTPUTS[@]}"; do
  cmp -s "$f" "$WORK/out/$f" 2>/dev/null || cp "$WORK/out/$f" "$f"
done
echo "wrote ${#OUTPUTS[@]} modules"

# Native benchmark kernels: same sources, for comparing against the CPU directly.
if command -v gcc >/dev/null 2>&1; then
  mkdir -p bench/native
  for k in hash sort matmul; do
    gcc -O2 -ffp-contract=off -DNATIVE -Wall -Wextra "bench/$k.c" -o "bench/native/$k"
  done
  echo "native: bench/native/{hash,sort,matmul} (gcc -O2, not fixtures)"
else
  echo "native: gcc not found, skipped bench/native"
fi
