#!/usr/bin/env bash
# The docs/est.md walkthrough, run by EstCurlOpensslTest: EST with curl and openssl only.
# In: EST (https://host:port/.well-known/est), TOKEN (from 'gatehouse ca enroll-token'), ROOT (root.crt), NAME.
set -euo pipefail

# 1. cacerts: the chain, as base64 certs-only PKCS#7
curl -sS --fail-with-body --cacert "$ROOT" "$EST/cacerts" | base64 -d \
  | openssl pkcs7 -inform DER -print_certs -out chain.pem

# 2. simpleenroll: key made here, CSR sent as base64 DER, the token as Bearer
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$NAME.key" \
  -subj "/CN=$NAME" -outform DER -out "$NAME.csr"
chmod 600 "$NAME.key"
base64 "$NAME.csr" > "$NAME.csr.b64"
curl -sS --fail-with-body --cacert "$ROOT" \
  -H "Authorization: Bearer $TOKEN" -H "Content-Type: application/pkcs10" \
  --data-binary @"$NAME.csr.b64" "$EST/simpleenroll" | base64 -d \
  | openssl pkcs7 -inform DER -print_certs -out "$NAME.crt"
openssl verify -CAfile "$ROOT" -untrusted chain.pem "$NAME.crt"

# 3. simplereenroll: authenticated by the current certificate over mutual TLS (new key here)
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$NAME.new.key" \
  -subj "/CN=$NAME" -outform DER -out "$NAME.renew.csr"
base64 "$NAME.renew.csr" > "$NAME.renew.csr.b64"
curl -sS --fail-with-body --cacert "$ROOT" --cert "$NAME.crt" --key "$NAME.key" \
  -H "Content-Type: application/pkcs10" \
  --data-binary @"$NAME.renew.csr.b64" "$EST/simplereenroll" | base64 -d \
  | openssl pkcs7 -inform DER -print_certs -out "$NAME.new.crt"
openssl verify -CAfile "$ROOT" -untrusted chain.pem "$NAME.new.crt"

# 4. a refusal is one line with its status: the token is spent
curl -sS -o refusal.txt -w '%{http_code}\n' --cacert "$ROOT" \
  -H "Authorization: Bearer $TOKEN" -H "Content-Type: application/pkcs10" \
  --data-binary @"$NAME.csr.b64" "$EST/simpleenroll"
cat refusal.txt
