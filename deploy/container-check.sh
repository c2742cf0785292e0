#!/usr/bin/env bash
# Checks the Dockerfile's runtime stage where no Docker daemon runs: builds the same root
# (Debian bookworm, minbase, ca-certificates and tzdata, the `redress` user with uid 10001 and
# /data owned by it) with debootstrap, runs the release binary in it as that user with the
# image's environment and command, and checks what the image promises: the first
# administrator's password in the log, the HEALTHCHECK command, a login, `redress backup` into
# the volume, and a clean stop on SIGTERM.
#
#   sudo deploy/container-check.sh [path/to/redress]     (default: target/release/redress)
#
# Needs root, debootstrap and a Debian mirror. The build stage is `cargo build --release
# --locked -p redress`, which this script does not repeat.
set -euo pipefail
binary=${1:-target/release/redress}
root=$(mktemp -d /tmp/redress-image.XXXXXX)
chmod 0755 "$root"
port=${PORT:-8080}
server=
cleanup() {
    [ -z "$server" ] || kill -TERM "$server" 2>/dev/null || true
    umount "$root/proc" "$root/dev" 2>/dev/null || true
    rm -rf "$root"
}
trap cleanup EXIT
[ -z "${DEBUG:-}" ] || set -x
debootstrap --variant=minbase bookworm "$root" http://deb.debian.org/debian >/dev/null
mount --bind /dev "$root/dev"
mount -t proc proc "$root/proc"
cp /etc/resolv.conf "$root/etc/resolv.conf"
# The runtime stage's RUN, as the Dockerfile writes it.
chroot "$root" sh -c 'apt-get update -q >/dev/null \
    && apt-get install -y -q --no-install-recommends ca-certificates tzdata >/dev/null \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home-dir /data --shell /usr/sbin/nologin redress \
    && install -d -m 0700 -o redress -g redress /data' 2>/dev/null
install -m 0755 "$binary" "$root/usr/local/bin/redress"
image_env=(env -i PATH=/usr/local/bin:/usr/bin:/bin HOME=/data REDRESS_DATA_DIR=/data
    REDRESS_SERVER__LISTEN="0.0.0.0:$port" REDRESS_SERVER__PUBLIC_URL="http://servidor:$port")
as_image() {
    chroot --userspec=10001:10001 "$root" "${image_env[@]}" "$@"
}
# chroot, env and sh each exec the next: $! is the server's own process.
chroot --userspec=10001:10001 "$root" "${image_env[@]}" sh -c 'cd /data && exec redress serve' >"$root/serve.log" 2>&1 &
server=$!
for _ in $(seq 1 60); do
    grep -q 'listening' "$root/serve.log" 2>/dev/null && break
    sleep 0.5
done
password=$(sed -n 's/.*contraseña \/ password: *//p' "$root/serve.log")
test -n "$password" || { echo "no first password in the log" >&2; cat "$root/serve.log" >&2; exit 1; }
# The HEALTHCHECK line, run inside the image as its user.
as_image bash -c "exec 3<>/dev/tcp/127.0.0.1/$port && printf 'GET /healthz HTTP/1.0\r\n\r\n' >&3 && head -n1 <&3 | grep -q ' 200 '"
token=$(curl -sf -X POST "http://127.0.0.1:$port/api/v1/session" -H 'content-type: application/json' \
    -d "{\"username\":\"admin\",\"password\":\"$password\"}" | sed -n 's/.*"token":"\([^"]*\)".*/\1/p')
test -n "$token" || { echo "the first login failed" >&2; exit 1; }
curl -sf "http://127.0.0.1:$port/api/v1/me" -H "Authorization: Bearer $token" >/dev/null
as_image sh -c 'cd /data && redress backup /data/backups/redress-check.db' >/dev/null
test -s "$root/data/backups/redress-check.db"
kill -TERM "$server"
wait "$server" || { echo "the server did not stop cleanly on SIGTERM" >&2; exit 1; }
server=
grep -q 'stopped' "$root/serve.log" || { echo "no clean stop on SIGTERM" >&2; exit 1; }
echo "container check passed: first password, HEALTHCHECK, login, backup in /data, stop on SIGTERM"
