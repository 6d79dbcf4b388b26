#!/usr/bin/env bash
# The command lines of docs/deploy.md, run on one machine: a local 1-broker cluster stands for the
# existing cluster, and two processor "hosts" are 127.0.0.2 and 127.0.0.3 (Linux loopback takes all
# of 127/8). Each processor listens on 0.0.0.0 over HTTPS (one keystore naming both hosts) and
# advertises its host; every sensor is then asked of both, and both must give the same answer.
# Differences from the guide, because both hosts share one machine: each processor has a port and
# a state directory of its own, and the role files are empty (a plaintext cluster).
# Usage: scripts/deploy-guide-on-loopback.sh   (needs target/kpipe-all.jar: ./kpipe builds it)
set -euo pipefail
# set -e stops at the first command that fails; say which, and where, rather than stop silently.
trap 'echo "deploy-guide-on-loopback.sh: line $LINENO failed (exit $?): $BASH_COMMAND" >&2' ERR
fail() { echo "deploy-guide-on-loopback.sh: $*" >&2; exit 1; }
jar="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/target/kpipe-all.jar"
D=$(mktemp -d /tmp/kpipe-deploy-XXXXXX); cd "$D"
J=(java -Xms256m -Xmx768m -jar "$jar")
kpipe() { "${J[@]}" "$@"; }
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do while kill -0 "$p" 2>/dev/null; do sleep 0.2; done; done
  rm -rf "$D"
}
trap cleanup EXIT

"${J[@]}" cluster --port 0 > cluster.out 2>&1 & pids+=($!)
for _ in $(seq 1 120); do grep -q '^bootstrap.servers=' cluster.out && break; kill -0 "${pids[0]}" 2>/dev/null || break; sleep 0.5; done
BOOTSTRAP=$( (grep '^bootstrap.servers=' cluster.out || true) | cut -d= -f2)
[[ -n $BOOTSTRAP ]] || fail "kpipe cluster printed no bootstrap.servers line (it exited, or 60 s passed); its output: $(cat cluster.out)"
ETC=$D/etc; mkdir -p "$ETC"
for role in admin processor source sink; do : > "$ETC/$role.properties"; done
printf '%s\n' "$(head -c 24 /dev/urandom | base64)" > "$ETC/http.password" && chmod 600 "$ETC/http.password"
keytool -genkeypair -alias kpipe-http -keyalg EC -groupname secp256r1 -dname CN=kpipe-processors \
  -ext SAN=ip:127.0.0.2,ip:127.0.0.3 -validity 365 \
  -storetype PKCS12 -keystore "$ETC/http.p12" -storepass:file "$ETC/http.password" 2>/dev/null
keytool -exportcert -rfc -alias kpipe-http -keystore "$ETC/http.p12" -storepass:file "$ETC/http.password" -file "$ETC/http.pem" 2>/dev/null
printf 'sensor,site,type,unit,min,max\ns-7,plant-a,temp,C,-10,40\n' > devices.csv

kpipe topics create --bootstrap-servers "$BOOTSTRAP" --kafka-config "$ETC/admin.properties" --partitions 12 --retention 30m
kpipe devices load devices.csv --bootstrap-servers "$BOOTSTRAP" --kafka-config "$ETC/admin.properties"
port=8443
for HOST in 127.0.0.2 127.0.0.3; do
  "${J[@]}" process --bootstrap-servers "$BOOTSTRAP" --kafka-config "$ETC/processor.properties" --http-bind 0.0.0.0 \
    --http-port "$port" --http-tls "$ETC/http.p12" --http-tls-password-file "$ETC/http.password" --advertised-host "$HOST" \
    --state-dir "$D/$HOST/streams" --threads 2 --standbys 1 > "$HOST.out" 2> "$HOST.err" & pids+=($!)
  port=$((port + 2))
done
for _ in $(seq 1 120); do grep -q '^HTTP:' 127.0.0.2.err && grep -q '^HTTP:' 127.0.0.3.err && break; sleep 0.5; done
for HOST in 127.0.0.2 127.0.0.3; do
  grep -h '^HTTP:' "$HOST.err" || fail "the processor of host $HOST printed no HTTP: line in 60 s; its stderr: $(cat "$HOST.err")"
done
sleep 8   # both in the group before the first point: each owns some sensors
kpipe generate --bootstrap-servers "$BOOTSTRAP" --kafka-config "$ETC/source.properties" --rate 20k --duration 5s --sensors 100
sleep 4   # a commit or two
same=0; owners=(); first=
for s in $(seq 0 99); do
  a=$(curl -s --cacert "$ETC/http.pem" "https://127.0.0.2:8443/api/sensors/s-$s" || true)   # compared below
  b=$(curl -s --cacert "$ETC/http.pem" "https://127.0.0.3:8445/api/sensors/s-$s" || true)
  if [[ "$a" == "$b" && "$a" == *'"windows"'* ]]; then
    same=$((same + 1))
  elif [[ -z $first ]]; then
    first="s-$s: 127.0.0.2 answered '$a', 127.0.0.3 answered '$b'"
  fi
  owners+=("$(grep -o '"served_by":"[^"]*"' <<< "$a" || true)")   # none in an error answer: counted below
done
echo "sensors answered the same by both hosts: $same of 100; owners:"
printf '%s\n' "${owners[@]}" | sort | uniq -c
[[ $same == 100 ]] || fail "$((100 - same)) of 100 sensors were not answered the same, with windows, by both hosts; the first: $first"
