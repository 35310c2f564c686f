#!/usr/bin/env bash
# Peak memory of touchpoint with 10,000 personas all waiting at once on
# slow asynchronous replies (poll mode; the server answers after
# $REPLY_AFTER). See BENCHMARKS.md.
#
#   scripts/bench/memory.sh
#   PERSONAS=20000 REPLY_AFTER=30s scripts/bench/memory.sh
#   TP=/path/to/other/touchpoint SKIP_BUILD=1 scripts/bench/memory.sh   # A/B
#   RSS_LOG=/tmp/rss.txt scripts/bench/memory.sh   # also every sample: seconds, KB
#
# Reports /usr/bin/time's maximum resident set size for the whole process
# (the run, then the analysis and reports it writes), and the peak of
# VmRSS sampled every 0.2 s while the engine runs (before the end record).
set -euo pipefail
source "$(dirname "$0")/lib.sh"

PERSONAS=${PERSONAS:-10000}
REPLY_AFTER=${REPLY_AFTER:-20s}
[ -x /usr/bin/time ] || { echo "/usr/bin/time is missing: apt-get install -y time" >&2; exit 1; }
[ "$(ulimit -n)" -gt $((PERSONAS + 256)) ] || ulimit -n $((PERSONAS + 1024)) || { echo "raise the open-file limit above $PERSONAS (ulimit -n)" >&2; exit 1; }

[ "${SKIP_BUILD:-}" ] || build
WORK=$(mktemp -d /tmp/touchpoint-memory.XXXXXX)
trap 'stop_server; rm -rf "$WORK"' EXIT
write_suite "$WORK/suite" slow "$PERSONAS"
start_server --threads 1 --reply-after "$REPLY_AFTER"
echo "server $SERVER_URL, replies after $REPLY_AFTER; $(machine)" >&2

/usr/bin/time -v "$TP" run "$WORK/suite" --target "$SERVER_URL" --concurrency "$PERSONAS" --quiet --out "$WORK/out" >"$WORK/tp.out" 2>"$WORK/time.txt" &
TIME_PID=$!
sleep 0.2
TP_PID=$(pgrep -P "$TIME_PID" | head -1)
engine_peak=0
started=$(date +%s.%N)
while kill -0 "$TP_PID" 2>/dev/null; do
    rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$TP_PID/status" 2>/dev/null || echo 0)
    [ -z "${RSS_LOG:-}" ] || echo "$(echo "$(date +%s.%N) - $started" | bc -l | xargs printf '%.1f') ${rss:-0}" >>"$RSS_LOG"
    if ! grep -qs '"type":"end"' "$WORK"/out/*/run.jsonl; then
        [ "${rss:-0}" -gt "$engine_peak" ] && engine_peak=$rss
    fi
    sleep 0.2
done
wait "$TIME_PID" || true
max_kb=$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$WORK/time.txt")
wall=$(awk -F': ' '/Elapsed \(wall clock\)/ { print $2 }' "$WORK/time.txt")
stats=$("$EXAMPLES/run_stats" "$WORK"/out/*/)
echo
echo "| personas waiting | reply after | engine peak RSS (sampled) | process peak RSS (time -v) | wall | exchanges | errors | personas started within | HTTP attempts |"
echo "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
printf "| %s | %s | %.0f MB | %.0f MB | %s | %s | %s | %s s | %s |\n" "$PERSONAS" "$REPLY_AFTER" "$(echo "$engine_peak / 1024" | bc -l)" "$(echo "$max_kb / 1024" | bc -l)" "$wall" \
    "$(field exchanges <<<"$stats")" "$(field errors <<<"$stats")" "$(field sent_spread_s <<<"$stats")" "$(field http <<<"$stats")"
