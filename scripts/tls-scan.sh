#!/usr/bin/env bash
# Scans the Gatehouse transport's TLS with testssl.sh (Debian package) and fails on anything a
# security review would flag: SSLv2/SSLv3/TLS 1.0/TLS 1.1 offered, NULL/anonymous/export/low/
# 3DES/RC4 ciphers, cipher suites without forward secrecy, insecure or client-initiated
# renegotiation, TLS compression (CRIME), and any finding testssl.sh rates HIGH or CRITICAL.
#
#   scripts/tls-scan.sh              build, start the server on 127.0.0.1, scan, stop (~2-4 min)
#   TLS_SCAN_OUT=dir scripts/tls-scan.sh   keep the JSON and the text report in dir
#   TLS_SCAN_PROVIDER=openssl ...         scan the tls.provider openssl (BoringSSL) instead of jdk
#   TLS_SCAN_JAVA_OPTS="-D..." ...        extra JVM options for the server
#
# The server is io.gatehouse.transport.security.TlsScanTarget (transport test sources): the real
# transport with a server certificate from the real CA (ca init --intermediate, ca issue server).
# Installs testssl.sh with apt-get when it is missing (root or sudo). Exit 0 = clean scan.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v testssl >/dev/null 2>&1; then
  sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
  $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq testssl.sh >/dev/null
fi

out="${TLS_SCAN_OUT:-$(mktemp -d)}"
mkdir -p "$out"
work="$(mktemp -d)"
server_pid=""
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

echo "tls-scan: building the transport test classes"
mvn -B -q -pl transport -am test-compile dependency:build-classpath \
  -Dmdep.outputFile=target/test-classpath.txt -Dmdep.includeScope=test
cp="transport/target/test-classes:transport/target/classes:$(cat transport/target/test-classpath.txt)"

# shellcheck disable=SC2086
java ${TLS_SCAN_JAVA_OPTS:-} -cp "$cp" io.gatehouse.transport.security.TlsScanTarget "$work" \
  "${TLS_SCAN_PROVIDER:-jdk}" >"$out/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 120); do
  [ -f "$work/port" ] && break
  kill -0 "$server_pid" 2>/dev/null || { cat "$out/server.log"; echo "tls-scan: server failed to start" >&2; exit 1; }
  sleep 0.5
done
[ -f "$work/port" ] || { echo "tls-scan: server did not start within 60 s" >&2; exit 1; }
port="$(cat "$work/port")"
echo "tls-scan: scanning https://localhost:$port, provider ${TLS_SCAN_PROVIDER:-jdk} (testssl $(testssl --version 2>/dev/null | grep -o '3\.[0-9.]*' | head -1))"

rm -f "$out/testssl.json"
# -p protocols, -s cipher categories, -f forward secrecy, -U vulnerabilities (includes -R
# renegotiation and -C compression/CRIME). --ip pins the loopback address; the name matches the
# certificate's DNS SAN.
testssl --quiet --color 0 --warnings off --openssl-timeout 10 --ip 127.0.0.1 \
  -p -s -f -U --jsonfile "$out/testssl.json" "localhost:$port" >"$out/testssl.txt" 2>&1 || true
[ -s "$out/testssl.json" ] || { cat "$out/testssl.txt"; echo "tls-scan: testssl.sh produced no JSON" >&2; exit 1; }

python3 - "$out/testssl.json" <<'PY'
import json, sys
findings = {f["id"]: f for f in json.load(open(sys.argv[1]))}
problems = []
def need(fid, ok, *aliases):
    # testssl.sh 3.0 and 3.1+ name a few findings differently (PFS/FS, AVERAGE/OBSOLETED).
    f = next((findings[i] for i in (fid,) + aliases if i in findings), None)
    if f is None:
        problems.append(f"{fid}: not reported by testssl.sh")
    elif not ok(f["finding"].lower()):
        problems.append(f"{f['id']}: {f['finding']}")
not_offered = lambda s: s.startswith("not offered")
for proto in ("SSLv2", "SSLv3", "TLS1", "TLS1_1"):
    need(proto, not_offered)
need("TLS1_2", lambda s: s.startswith("offered"))
need("TLS1_3", lambda s: s.startswith("offered"))
for weak in ("cipherlist_NULL", "cipherlist_aNULL", "cipherlist_EXPORT", "cipherlist_LOW",
             "cipherlist_3DES_IDEA"):
    need(weak, not_offered)
# Non-AEAD (CBC) suites: Gatehouse offers AEAD suites only.
need("cipherlist_AVERAGE", not_offered, "cipherlist_OBSOLETED")
need("FS", lambda s: s.startswith("offered"), "PFS")
need("secure_renego", lambda s: "supported" in s and "not" not in s)
need("secure_client_renego", lambda s: "not vulnerable" in s)
need("CRIME_TLS", lambda s: "not vulnerable" in s)
for f in findings.values():
    if f.get("severity") in ("HIGH", "CRITICAL"):
        problems.append(f"{f['id']} ({f['severity']}): {f['finding']}")
print("tls-scan summary:")
for fid in ("SSLv2", "SSLv3", "TLS1", "TLS1_1", "TLS1_2", "TLS1_3", "cipherlist_NULL",
            "cipherlist_aNULL", "cipherlist_EXPORT", "cipherlist_LOW", "cipherlist_3DES_IDEA",
            "cipherlist_AVERAGE", "cipherlist_OBSOLETED", "cipherlist_STRONG", "FS", "PFS",
            "PFS_ciphers", "secure_renego",
            "secure_client_renego", "CRIME_TLS", "BREACH", "POODLE_SSL", "SWEET32", "ROBOT",
            "heartbleed", "LOGJAM", "BEAST", "LUCKY13", "RC4"):
    if fid in findings:
        print(f"  {fid:22} {findings[fid]['severity']:8} {findings[fid]['finding']}")
severities = {}
for f in findings.values():
    severities[f.get("severity")] = severities.get(f.get("severity"), 0) + 1
print("  findings by severity:", dict(sorted(severities.items())))
if problems:
    print("tls-scan: FAILED")
    for p in problems:
        print("  " + p)
    sys.exit(1)
print("tls-scan: OK")
PY
