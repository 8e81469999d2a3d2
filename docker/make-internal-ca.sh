#!/bin/sh
# An internal certificate authority for an intranet without a public CA, and a server certificate for
# the proxy signed by it:   docker/make-internal-ca.sh lianxin.example.internal [more names or IPs …]
#   docker/certs/ca.crt       the CA certificate: install it on the clients (browsers, partner systems)
#   docker/certs/ca.key       the CA's key: keep it offline; it signs the next certificate (re-run the script)
#   docker/certs/lianxin.pem  certificate + key for HAProxy (LIANXIN_TLS_CERT=/etc/lianxin/certs/lianxin.pem)
# Re-running keeps the CA and issues a new server certificate (825 days). Needs openssl.
set -eu
[ $# -ge 1 ] || { echo "usage: $0 HOSTNAME [NAME_OR_IP …]" >&2; exit 64; }
out=${LIANXIN_CERT_DIR:-$(dirname "$0")/certs}
mkdir -p "$out"
umask 077
if [ ! -f "$out/ca.key" ]; then
    openssl req -x509 -newkey rsa:3072 -sha256 -days 3650 -nodes -subj "/CN=Lianxin internal CA" \
        -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
        -keyout "$out/ca.key" -out "$out/ca.crt" 2>/dev/null
fi
san=""
for name in "$@"; do
    case "$name" in
        *[!0-9.]*) san="$san,DNS:$name" ;;
        *) san="$san,IP:$name" ;;
    esac
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
openssl req -newkey rsa:2048 -sha256 -nodes -subj "/CN=$1" -keyout "$tmp/server.key" -out "$tmp/server.csr" 2>/dev/null
printf 'subjectAltName=%s\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n' \
    "${san#,}" > "$tmp/ext"
openssl x509 -req -sha256 -days 825 -in "$tmp/server.csr" -CA "$out/ca.crt" -CAkey "$out/ca.key" \
    -CAcreateserial -extfile "$tmp/ext" -out "$tmp/server.crt" 2>/dev/null
cat "$tmp/server.crt" "$out/ca.crt" "$tmp/server.key" > "$out/lianxin.pem"
chmod 644 "$out/ca.crt"
chmod 640 "$out/lianxin.pem"
echo "wrote $out/lianxin.pem for $* (CA: $out/ca.crt)"
echo "the proxy container reads it as uid 99 (haproxy image): sudo chown 99:99 $out/lianxin.pem"
