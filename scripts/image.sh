#!/usr/bin/env bash
# The container image without Docker and without any base image: the static
# (musl) server, stripped (cargo profile `image`), the CA roots for the
# backend's HTTPS calls and the /app layout, as the Dockerfile's final stage,
# put together with `buildah from scratch` and committed as $IMAGE.
#
#   scripts/image.sh                    # builds, commits valospectra/server:latest (the compose file's image)
#   IMAGE=spectra:test OUT=spectra.tar scripts/image.sh   # also a docker-archive
#   scripts/image.sh binary             # only builds the static binary, prints its path
#   scripts/image.sh rootfs DIR [BIN]   # only lays out the image's files in DIR
#
# `rootfs` writes the folder the image holds (from BIN, default the static
# build's binary, which it does not build): the end-to-end test runs the
# server in such a folder as its root (tests/e2e_static.rs). Installs what
# it needs when missing and run as root (Debian's musl-tools and buildah,
# the rustup target), like scripts/test.sh. buildah gets the vfs storage
# driver and chroot isolation unless STORAGE_DRIVER / BUILDAH_ISOLATION say
# otherwise: neither needs overlay mounts or an OCI runtime, so the script
# also works inside a container or a sandbox (the image is a few MB, so
# vfs's full copies cost nothing).
set -euo pipefail
cd "$(dirname "$0")/.."

TARGET=x86_64-unknown-linux-musl
BIN=target/$TARGET/image/spectra-server
IMAGE=${IMAGE:-valospectra/server:latest}
OUT=${OUT:-}
CA_BUNDLE=${CA_BUNDLE:-/etc/ssl/certs/ca-certificates.crt}
export STORAGE_DRIVER=${STORAGE_DRIVER:-vfs}
export BUILDAH_ISOLATION=${BUILDAH_ISOLATION:-chroot}

# Debian's packages $@ when missing: installed as root, named otherwise.
need() {
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
  else
    echo "image.sh: missing: $* (install Debian's packages: apt-get install $*)" >&2
    exit 1
  fi
}

# The image's files in $1 from the binary $2: /spectra-server, the CA roots
# and /app with keys/ and replays/ (the working directory; the reference
# image's layout).
rootfs() {
  local dir=$1 bin=$2
  [ -f "$bin" ] || { echo "image.sh: no $bin (build it: scripts/image.sh binary)" >&2; exit 1; }
  [ -f "$CA_BUNDLE" ] || { echo "image.sh: no CA roots at $CA_BUNDLE (apt-get install ca-certificates)" >&2; exit 1; }
  mkdir -p "$dir/etc/ssl/certs" "$dir/app/keys" "$dir/app/replays"
  install -m 0755 "$bin" "$dir/spectra-server"
  install -m 0644 "$CA_BUNDLE" "$dir/etc/ssl/certs/ca-certificates.crt"
}

# The static binary at $BIN: the rustup target and a musl C compiler (ring
# and mimalloc have C parts). Cargo's output goes to stderr.
binary() {
  command -v musl-gcc >/dev/null || need musl-tools
  if ! rustup target list --installed | grep -qx "$TARGET"; then
    rustup target add "$TARGET" >&2 || {
      echo "image.sh: the rustup target $TARGET cannot be installed here" >&2
      exit 1
    }
  fi
  cargo build --profile image --locked --target "$TARGET" --bin spectra-server >&2
}

case "${1:-}" in
  rootfs)
    [ $# -ge 2 ] || { echo "usage: scripts/image.sh rootfs DIR [BIN]" >&2; exit 2; }
    rootfs "$2" "${3:-$BIN}"
    exit 0
    ;;
  binary)
    binary
    echo "$PWD/$BIN"
    exit 0
    ;;
  "") ;;
  *)
    echo "usage: scripts/image.sh [binary | rootfs DIR [BIN]]" >&2
    exit 2
    ;;
esac

command -v buildah >/dev/null || need buildah
binary

root=$(mktemp -d /tmp/spectra-image.XXXXXX)
ctr=
cleanup() {
  [ -z "$ctr" ] || buildah rm "$ctr" >/dev/null 2>&1 || true
  rm -rf "$root"
}
trap cleanup EXIT INT TERM
rootfs "$root" "$BIN"

ctr=$(buildah from scratch)
buildah copy --quiet "$ctr" "$root" / >/dev/null
# As the Dockerfile's final stage.
buildah config \
  --os linux --arch amd64 \
  --workingdir /app \
  --env INSECURE=false \
  --env SERVER_KEY=/app/keys/server.key \
  --env SERVER_CERT=/app/keys/server.crt \
  --env RUST_LOG=info \
  --port 5100/tcp --port 5101/tcp --port 5200/tcp \
  --stop-signal SIGTERM \
  --entrypoint '["/spectra-server"]' \
  --cmd '' \
  "$ctr"
buildah commit --quiet --rm "$ctr" "$IMAGE" >/dev/null
ctr=
if [ -n "$OUT" ]; then
  rm -f "$OUT"
  buildah push --quiet "$IMAGE" "docker-archive:$OUT:$IMAGE"
fi
echo "image: $IMAGE, $(buildah images --format '{{.Size}}' "$IMAGE") (binary $(stat -c %s "$BIN") bytes)${OUT:+; archive: $OUT, $(stat -c %s "$OUT") bytes}"
