#!/bin/sh
# Builds mediasoup-worker from the npm package's own C++ sources against Debian 12's system libraries.
# mediasoup's postinstall would download a prebuilt worker or meson subprojects from GitHub, which this
# product's machines cannot reach. Usage: build.sh <mediasoup package dir> <output binary path>
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
MS=$1
OUT=$2
W=$MS/worker
# Build in a scratch copy so the installed package stays pristine and a failed build leaves nothing half-done.
SCRATCH=$(mktemp -d "${TMPDIR:-/tmp}/ms-worker-XXXXXX")
trap 'rm -rf "$SCRATCH"' EXIT
cp -r "$W" "$SCRATCH/worker"
W=$SCRATCH/worker
sh "$HERE/shims.sh" "$W"
# mediasoup's BIO callback answers every "after" phase except a bare BIO_CB_RETURN with 1. Its own bundled
# OpenSSL has no kernel TLS, so that never mattered; Debian's OpenSSL asks the BIO BIO_CTRL_GET_KTLS_SEND,
# gets 1, skips allocating its write buffer and crashes writing the first DTLS record (SIGSEGV in
# SSL_read at the ServerHello). Passing the real result through for every "after" phase fixes it.
sed -i 's/(operationType == BIO_CB_RETURN) ? static_cast<long>(ret) : 1;/(operationType \& BIO_CB_RETURN) ? static_cast<long>(ret) : 1;/' "$W/src/RTC/DtlsTransport.cpp"
grep -q '(operationType & BIO_CB_RETURN)' "$W/src/RTC/DtlsTransport.cpp" || { echo "DtlsTransport.cpp patch did not apply" >&2; exit 1; }
# Debian 12 has meson 1.0.1; mediasoup asks for >= 1.1.0 but builds fine with 1.0.
sed -i "s/meson_version: '>= 1.1.0'/meson_version: '>= 1.0.0'/" "$W/meson.build"
B=$W/out/build
cd "$W"
# Debian's liburing 2.3 lacks io_uring_prep_sendto.
meson setup --wrap-mode=nodownload --buildtype=release -Db_ndebug=true -Dms_disable_liburing=true "$B"
# The flatbuffers headers are regenerated with Debian's flatc so that they match its runtime headers.
ninja -C "$B" fbs/FBS
ninja -C "$B" -j "${MEDIASOUP_MAX_CORES:-$(nproc)}" mediasoup-worker
mkdir -p "$(dirname "$OUT")"
strip -o "$OUT.tmp" "$B/mediasoup-worker"
mv "$OUT.tmp" "$OUT"
