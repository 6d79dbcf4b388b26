#!/usr/bin/env bash
# Prints a directory holding librdkafka 2.8.0, building it there on first use, for kcat to log in with
# SCRAM to Kafka 4: librdkafka before 2.6.1 sends a SCRAM proof Kafka 4 refuses (docs/security.md), and
# Debian 12's kcat 1.7.1 comes with librdkafka 2.0.2. kcat links librdkafka dynamically, so
#   LD_LIBRARY_PATH=$(scripts/librdkafka.sh) kcat ...
# runs the distribution's kcat with the newer library. Source: Debian's tarball of the upstream release
# (checksum pinned); needs gcc, make and the OpenSSL and zlib headers (apt-get install build-essential
# libssl-dev zlib1g-dev). Cache: $KPIPE_CACHE (default ~/.cache/kpipe). About 2 minutes on 2 cores.
set -euo pipefail
version=2.8.0
sha256=5bd1c46f63265f31c6bfcedcde78703f77d28238eadf23821c2b43fc30be3e25
url="http://deb.debian.org/debian/pool/main/libr/librdkafka/librdkafka_${version}.orig.tar.gz"
dest="${KPIPE_CACHE:-$HOME/.cache/kpipe}/librdkafka-$version"
if [[ -f "$dest/lib/librdkafka.so.1" ]]; then
  echo "$dest/lib"
  exit 0
fi
for tool in gcc make curl; do
  command -v "$tool" >/dev/null || { echo "librdkafka.sh: $tool is missing (apt-get install build-essential curl libssl-dev zlib1g-dev)" >&2; exit 2; }
done
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "librdkafka.sh: building librdkafka $version into $dest (first use)..." >&2
curl -fsSL -o "$work/src.tar.gz" "$url"
echo "$sha256  $work/src.tar.gz" | sha256sum -c --quiet - >&2
tar xzf "$work/src.tar.gz" -C "$work"
cd "$work/librdkafka-$version"
# Only what a SCRAM login over TLS needs: OpenSSL (TLS and SCRAM) and zlib; no Cyrus SASL (GSSAPI), no curl (OIDC).
./configure --prefix="$dest.tmp" --disable-gssapi --disable-curl --disable-zstd --disable-lz4-ext >&2
make -j"$(nproc)" -C src >&2
make -C src install >&2
rm -rf "$dest"
mv "$dest.tmp" "$dest"
echo "$dest/lib"
