#!/usr/bin/env bash
# Throughput and latency of touchpoint against wrk, both driving the same
# local static endpoint (examples/static_server.rs). See BENCHMARKS.md.
#
#   scripts/bench/throughput.sh            # 3 rounds, 20,000 personas, concurrency 256
#   ROUNDS=5 PERSONAS=50000 scripts/bench/throughput.sh
#
# Per round: wrk for $WRK_SECONDS s at $CONCURRENCY connections, then
# touchpoint runs a 1 question x 1 channel x $PERSONAS personas sweep at
# --concurrency $CONCURRENCY, then the same number of walks spread over 256
# personas (--repeat), which sidesteps the per-walk persona lookup (linear
# in the number of personas). Prints medians.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

ROUNDS=${ROUNDS:-3}
PERSONAS=${PERSONAS:-20000}
CONCURRENCY=${CONCURRENCY:-256}
WRK_SECONDS=${WRK_SECONDS:-10}
WRK_THREADS=${WRK_THREADS:-2}
SERVER_THREADS=${SERVER_THREADS:-1}
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install -y wrk" >&2; exit 1; }

[ "${SKIP_BUILD:-}" ] || build
WORK=$(mktemp -d /tmp/touchpoint-throughput.XXXXXX)
trap 'stop_server; rm -rf "$WORK"' EXIT
write_suite "$WORK/many" fast "$PERSONAS"
write_suite "$WORK/few" fast 256
REPEAT=$(( (PERSONAS + 255) / 256 ))
cat >"$WORK/post.lua" <<'LUA'
wrk.method = "POST"
wrk.body = '{"customer":"pat000001@example.com","text":"Hi, I\'m Pat000001 - how long do I have to return my router?"}'
wrk.headers["Content-Type"] = "application/json"
LUA

start_server --threads "$SERVER_THREADS"
echo "server $SERVER_URL (pid $SERVER_PID, $SERVER_THREADS thread); $(machine)" >&2
wrk -t"$WRK_THREADS" -c"$CONCURRENCY" -d2s -s "$WORK/post.lua" "$SERVER_URL/answer" >/dev/null # warm-up

# wrk's latency lines ("50%  1.23ms") in milliseconds
wrk_ms() { awk -v p="$1" '$1 == p { v = $2; u = v; sub(/[0-9.]+/, "", u); sub(/[a-z]+$/, "", v); f = (u == "us") ? 0.001 : (u == "s") ? 1000 : 1; print v * f }'; }

tp_round() { # SUITE OUT [EXTRA ARGS] -> run_stats line
    local suite=$1 out=$2
    shift 2
    "$TP" run "$suite" --target "$SERVER_URL" --concurrency "$CONCURRENCY" --quiet --out "$out" "$@" >/dev/null 2>&1 || true
    "$EXAMPLES/run_stats" "$out"/*/
}

for r in $(seq "$ROUNDS"); do
    wrk -t"$WRK_THREADS" -c"$CONCURRENCY" -d"${WRK_SECONDS}s" --latency -s "$WORK/post.lua" "$SERVER_URL/answer" >"$WORK/wrk.$r"
    rps=$(awk '/^Requests\/sec:/ { print $2 }' "$WORK/wrk.$r")
    echo "$rps $(wrk_ms 50% <"$WORK/wrk.$r") $(wrk_ms 99% <"$WORK/wrk.$r")" >>"$WORK/wrk.all"
    tp_round "$WORK/many" "$WORK/out-many.$r" >>"$WORK/many.all"
    tp_round "$WORK/few" "$WORK/out-few.$r" --repeat "$REPEAT" >>"$WORK/few.all"
    echo "round $r: wrk $rps req/s; touchpoint $(field xps <"$WORK/many.all" | tail -1) ex/s ($PERSONAS personas), $(field xps <"$WORK/few.all" | tail -1) ex/s (256 personas x $REPEAT)" >&2
    rm -rf "$WORK"/out-*
done

col() { awk -v c="$1" '{ print $c }' "$2" | median; }
W_RPS=$(col 1 "$WORK/wrk.all"); W_P50=$(col 2 "$WORK/wrk.all"); W_P99=$(col 3 "$WORK/wrk.all")
row() { # LABEL FILE
    local x p50 p99 tot50
    x=$(field xps <"$2" | median); p50=$(field ttfb_p50_ms <"$2" | median); p99=$(field ttfb_p99_ms <"$2" | median); tot50=$(field total_p50_ms <"$2" | median)
    printf "| %-42s | %9.0f | %7.1f%% | %8.2f | %8.2f | %+8.0f%% | %s |\n" "$1" "$x" "$(echo "$x / $W_RPS * 100" | bc -l)" "$p50" "$p99" "$(echo "($tot50 / $W_P50 - 1) * 100" | bc -l)" \
        "$(field errors <"$2" | sort -n | tail -1)"
}
echo
echo "Medians of $ROUNDS rounds, concurrency $CONCURRENCY, server $SERVER_THREADS thread, wrk $WRK_THREADS threads ${WRK_SECONDS}s; $(machine)"
echo
echo "| load generator                             | req or ex/s | vs wrk | p50 ms | p99 ms | p50 vs wrk | errors |"
echo "| ------------------------------------------ | --------: | -------: | -------: | -------: | --------: | --- |"
printf "| %-42s | %9.0f | %7.1f%% | %8.2f | %8.2f | %8s | %s |\n" "wrk (POST, same body)" "$W_RPS" 100 "$W_P50" "$W_P99" "" "-"
row "touchpoint, $PERSONAS personas" "$WORK/many.all"
row "touchpoint, 256 personas x --repeat $REPEAT" "$WORK/few.all"
echo
echo "touchpoint latency: per HTTP attempt, t_first_byte_us - t_start_us; 'p50 vs wrk' compares t_end_us - t_start_us with wrk's p50."
