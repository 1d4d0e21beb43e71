#!/usr/bin/env bash
# Regenerates benchmarks/RESULTS.md and its charts with the full, steady-state method
# (docs/benchmarks.md, "Regenerating RESULTS.md"), then profiles the auth-on and auth-off targets
# and the 2026-07-28 auth-on target under steady load with JFR and prints where their CPU goes.
#
#   scripts/bench-full.sh                 every JMH suite (both JDKs) + e2e at 8 and 64 connections
#   BENCH_CONNECTIONS=8,64,256 scripts/bench-full.sh   also 256 connections (~5 min more)
#   BENCH_ROUNDS=3 scripts/bench-full.sh  three interleaved e2e rounds instead of two
#   BENCH_NO_PROFILE=1 scripts/bench-full.sh           skip the JFR profile at the end
#   BENCH_FORCE=1 scripts/bench-full.sh   run even though the machine is busy
#
# About 63-68 minutes on 2 cores (JMH ~23 min, e2e ~35 min for the eight targets, the revoked-certificate
# flood target at 64 connections only, profiles ~7 min). The machine must be
# otherwise idle: a busy machine gives numbers that mean nothing, so the script refuses to start
# when the 1-minute load average is above half the core count (BENCH_FORCE=1 overrides; RESULTS.md
# records the load average either way). The recordings go to benchmarks/target/jfr/, their
# splits to benchmarks/PROFILES.md.
set -euo pipefail
cd "$(dirname "$0")/.."

cores=$(nproc)
load=$(cut -d' ' -f1 /proc/loadavg)
if [ "${BENCH_FORCE:-0}" != 1 ] && awk -v l="$load" -v c="$cores" 'BEGIN { exit !(l > c / 2) }'; then
  echo "bench-full: load average $load on $cores cores: the machine is busy, numbers would be noise." >&2
  echo "bench-full: wait until it is idle, or set BENCH_FORCE=1." >&2
  exit 1
fi

mvn -B -q -DskipTests -pl benchmarks -am package
jar=benchmarks/target/benchmarks.jar

GATEHOUSE_NO_BUILD=1 ./gatehouse bench --connections "${BENCH_CONNECTIONS:-8,64}" --rounds "${BENCH_ROUNDS:-2}"

if [ "${BENCH_NO_PROFILE:-0}" != 1 ]; then
  # One more steady-state visit of the auth-on, auth-off and 2026-07-28 auth-on targets (at least
  # 40 s of load first each); JFR records the measured window at 64 connections inside the target JVM.
  profiles="$PWD/benchmarks/target/jfr"
  rm -rf "$profiles"
  java "-Dgatehouse.bench.profileDir=$profiles" -cp "$jar" io.gatehouse.bench.e2e.LoadHarness \
    --rounds 1 --connections 64 GATEHOUSE_AUTH GATEHOUSE_PLAIN GATEHOUSE_MODERN_AUTH
  # Kept beside RESULTS.md: the "where Gatehouse loses" lines point at these splits.
  out=benchmarks/PROFILES.md
  {
    echo "# Where the CPU goes under steady load (JFR)"
    echo
    echo "Written by \`scripts/bench-full.sh\` right after the run that produced [RESULTS.md](RESULTS.md):"
    echo "one more steady-state visit (at least 40 s of load first) of each target at 64 connections, JFR"
    echo "\`profile\` settings over the measured window inside the target JVM, read by"
    echo "\`io.gatehouse.bench.report.JfrSplit\` (what each line counts: [docs/benchmarks.md](../docs/benchmarks.md#where-the-cpu-goes-jfr-auth-on-target))."
    echo
    echo "| | |"
    echo "|---|---|"
    echo "| date | $(date -u +%Y-%m-%dT%H:%M:%SZ) |"
    echo "| commit | $(git rev-parse --short HEAD 2>/dev/null || echo unknown) |"
    echo "| load average (1/5/15 min) | $(cut -d' ' -f1-3 /proc/loadavg) |"
    echo "| JDK | $(java -version 2>&1 | head -1) |"
    for f in "$profiles"/*.jfr; do
      echo
      echo "## $(basename "$f" .jfr)"
      echo
      echo '```'
      java -cp "$jar" io.gatehouse.bench.report.JfrSplit "$f"
      for stage in io.gatehouse.transport.auth.pipeline.AuthorizeStage.apply \
                   reactor.core.scheduler; do
        java -cp "$jar" io.gatehouse.bench.report.JfrSplit "$f" --under "$stage"
      done
      echo '```'
    done
  } > "$out.tmp"
  mv "$out.tmp" "$out"
  cat "$out"
fi
