#!/usr/bin/env bash
# Builds the example OCI service "tally" and its lying variant into images FROM scratch, reproducibly, and
# optionally pushes them to a registry, printing each image by digest.
#
#   services/oci/build.sh                       build tally and tally-liar (static binaries, then images)
#   services/oci/build.sh --push HOST:PORT      also push to that (plain-HTTP) registry and print
#                                               tally=HOST:PORT/tandem/tally@sha256:…
#                                               tally-liar=HOST:PORT/tandem/tally-liar@sha256:…
#
# Needs gcc with a static libc (Debian: gcc libc6-dev) and podman. The same sources and Debian packages give the
# same binary and the same image digest: fixed flags, paths mapped away, stripped, and every timestamp in the image
# set to 0 (podman build --timestamp 0).
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
export LC_ALL=C TZ=UTC SOURCE_DATE_EPOCH=0
PUSH=""
case "${1:-}" in
  "") ;;
  --push) PUSH="${2:?--push needs HOST:PORT}" ;;
  -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
  *) echo "usage: $0 [--push HOST:PORT]" >&2; exit 2 ;;
esac
for tool in gcc podman; do
  command -v "$tool" >/dev/null || { echo "$0: $tool is missing (apt-get install -y gcc libc6-dev podman)" >&2; exit 1; }
done

OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
for variant in tally tally-liar; do
  flags=()
  [ "$variant" = tally-liar ] && flags=(-DTALLY_LIE)
  mkdir -p "$OUT/$variant"
  gcc -static -O2 -s -D_GNU_SOURCE -ffile-prefix-map="$HERE"=. -Wl,--build-id=none "${flags[@]}" \
    -o "$OUT/$variant/tally" "$HERE/tally.c"
  touch -d @0 "$OUT/$variant/tally"
  cp "$HERE/Containerfile" "$OUT/$variant/Containerfile"
  podman build -q --timestamp 0 -t "localhost/tandem/$variant:build" "$OUT/$variant" >/dev/null
  if [ -n "$PUSH" ]; then
    podman push -q --tls-verify=false --digestfile "$OUT/$variant.digest" \
      "localhost/tandem/$variant:build" "$PUSH/tandem/$variant:build"
    echo "$variant=$PUSH/tandem/$variant@$(cat "$OUT/$variant.digest")"
  else
    echo "$variant=localhost/tandem/$variant:build $(podman image inspect --format '{{.Id}}' "localhost/tandem/$variant:build")"
  fi
done
