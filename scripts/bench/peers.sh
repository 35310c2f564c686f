#!/usr/bin/env bash
# touchpoint against load generators that record nothing — wrk and oha —
# all driving the same local target with the perf mix: POST /chat (JSON) and
# GET /help/refunds (a 4 KB HTML page), 1:1. The target is nginx when it is
# installed (`TARGET=nginx`, one worker), else examples/static_server.rs
# (`TARGET=static`). See BENCHMARKS.md.
#
#   scripts/bench/peers.sh                 # 3 rounds at c=16 and c=256
#   ROUNDS=5 CONCURRENCY="256" scripts/bench/peers.sh
#   TARGET=static OHA=none scripts/bench/peers.sh
#
# Rounds are interleaved and the order of the three tools rotates each
# round, so a noisy neighbour hurts all of them alike. Prints medians: req/s
# (touchpoint: exchanges/s, one request each), the ratio to wrk, p50/p99
# latency (whole response), and the client's CPU in cores.
#
# - wrk: one process, -t2, a Lua script alternating the two requests.
# - oha: two processes at c/2 each (oha sends one kind of request per
#   process); req/s summed, latency the mean of the two.
# - touchpoint: `run` of a sweep (1 question x 2 channels x 256 personas,
#   --repeat to reach $TP_WALKS walks); req/s is exchanges / the end record's
#   t_end_us; CPU is sampled from /proc until the end record is written (the
#   analysis `run` does afterwards is not counted).
set -euo pipefail
source "$(dirname "$0")/lib.sh"

ROUNDS=${ROUNDS:-3}
CONCURRENCY=${CONCURRENCY:-"16 256"}
SECONDS_PER=${SECONDS_PER:-8}
TP_WALKS=${TP_WALKS:-80000}
SERVER_THREADS=${SERVER_THREADS:-1}
OHA=${OHA:-$(command -v oha || echo "$HOME/.cargo/bin/oha")}
TARGET=${TARGET:-$(command -v nginx >/dev/null && echo nginx || echo static)}
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install -y wrk" >&2; exit 1; }
TOOLS=(wrk oha tp)
if [ ! -x "$OHA" ]; then
    echo "oha is missing (cargo install oha --locked); comparing with wrk only" >&2
    TOOLS=(wrk tp)
fi
# TP_BASE=path/to/older/touchpoint adds that binary as a fourth tool (tp0):
# before and after a change, measured in the same rounds.
[ -n "${TP_BASE:-}" ] && TOOLS+=(tp0)
[ -x /usr/bin/time ] || { echo "/usr/bin/time is missing: apt-get install -y time" >&2; exit 1; }

[ "${SKIP_BUILD:-}" ] || build
WORK=$(mktemp -d /tmp/touchpoint-peers.XXXXXX)
trap 'stop_server; rm -rf "$WORK"' EXIT

# The suite: the same two requests, as a sweep over two channels.
mkdir -p "$WORK/mix"
cat >"$WORK/mix/map.toml" <<'TOML'
name = "Bench Inc"
[facts.refund_window]
kind = "duration"
value = "30 days"
[[questions]]
id = "refund"
asks = ["Hi, I'm {{ persona.first_name }} - how long do I have to return my router?"]
expects = ["refund_window"]
[[journeys]]
id = "support"
stages = [{ id = "ask" }]
[sla]
chat = "2s"
web = "2s"
TOML
cat >"$WORK/mix/channels.toml" <<'TOML'
[chat]
kind = "chat"
timeout = "10s"
[chat.send]
method = "POST"
url = "/chat"
json = { text = "{{ message }}", customer = "{{ persona.email }}" }
[chat.receive]
reply = "$.answer"

[web]
kind = "web"
timeout = "10s"
region = "article.answer"
[web.send]
url = "/help/refunds"
[web.receive]
text = { css = "article.answer" }
TOML
cat >"$WORK/mix/sweeps.toml" <<'TOML'
[[sweeps]]
id = "mix"
questions = ["refund"]
channels = ["chat", "web"]
personas = ["*"]
journey = "support"
stage = "ask"
TOML
awk 'BEGIN { for (i = 1; i <= 256; i++) printf "[[personas]]\nid = \"p%03d\"\nname = \"Pat%03d Doe\"\nemail = \"pat%03d@example.com\"\n\n", i, i, i }' >"$WORK/mix/personas.toml"
REPEAT=$(( (TP_WALKS + 511) / 512 ))
BODY='{"customer":"pat001@example.com","text":"Hi, I'"'"'m Pat001 - how long do I have to return my router?"}'
cat >"$WORK/mix.lua" <<LUA
local n = 0
local body = '$(printf '%s' "$BODY" | sed "s/'/\\\\'/g")'
request = function()
  n = n + 1
  if n % 2 == 1 then
    return wrk.format("POST", "/chat", { ["Content-Type"] = "application/json" }, body)
  end
  return wrk.format("GET", "/help/refunds")
end
LUA

if [ "$TARGET" = nginx ]; then
    start_nginx "$WORK" "$SERVER_THREADS"
else
    start_server --threads "$SERVER_THREADS"
fi
echo "$TARGET $SERVER_URL (pid $SERVER_PID, $SERVER_THREADS worker); $(machine); $(uptime)" >&2
wrk -t2 -c64 -d2s -s "$WORK/mix.lua" "$SERVER_URL" >/dev/null # warm-up

# wrk's latency lines ("50%  1.23ms") in milliseconds
wrk_ms() { awk -v p="$1" '$1 == p { v = $2; u = v; sub(/[0-9.]+/, "", u); sub(/[a-z]+$/, "", v); f = (u == "us") ? 0.001 : (u == "s") ? 1000 : 1; print v * f }'; }
# CPU seconds (user + system) of a finished /usr/bin/time -f '%U %S' file
cpu_of() { awk '{ s += $1 + $2 } END { print s }' "$@"; }

run_wrk() { # C ROUND -> "rps p50 p99 cores"
    local c=$1 r=$2 out=$WORK/wrk.$c.$r
    /usr/bin/time -f '%U %S' -o "$out.time" wrk -t2 -c"$c" -d"${SECONDS_PER}s" --latency -s "$WORK/mix.lua" "$SERVER_URL" >"$out"
    echo "$(awk '/^Requests\/sec:/ { print $2 }' "$out") $(wrk_ms 50% <"$out") $(wrk_ms 99% <"$out") $(echo "$(cpu_of "$out.time") / $SECONDS_PER" | bc -l)"
}

run_oha() { # C ROUND
    local c=$1 r=$2 out=$WORK/oha.$c.$r half=$(( $1 / 2 ))
    /usr/bin/time -f '%U %S' -o "$out.a.time" "$OHA" -z "${SECONDS_PER}s" -c "$half" --no-tui --output-format json \
        -m POST -H 'Content-Type: application/json' -d "$BODY" "$SERVER_URL/chat" >"$out.a" 2>/dev/null &
    local a=$!
    /usr/bin/time -f '%U %S' -o "$out.b.time" "$OHA" -z "${SECONDS_PER}s" -c "$half" --no-tui --output-format json \
        "$SERVER_URL/help/refunds" >"$out.b" 2>/dev/null
    wait "$a"
    python3 - "$out.a" "$out.b" "$(cpu_of "$out.a.time" "$out.b.time")" "$SECONDS_PER" <<'PY'
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
rps = a["summary"]["requestsPerSec"] + b["summary"]["requestsPerSec"]
p = lambda d, k: d["latencyPercentiles"][k] * 1000
print(rps, (p(a, "p50") + p(b, "p50")) / 2, (p(a, "p99") + p(b, "p99")) / 2, float(sys.argv[3]) / float(sys.argv[4]))
PY
}

run_tp0() { TP=$TP_BASE run_tp "$@"; }

run_tp() { # C ROUND
    local c=$1 r=$2 out=$WORK/tp.$c.$r
    rm -rf "$out"
    "$TP" run "$WORK/mix" --target "$SERVER_URL" --concurrency "$c" --repeat "$REPEAT" --quiet --out "$out" >/dev/null 2>&1 &
    local pid=$! ticks=0 t
    local hz
    hz=$(getconf CLK_TCK)
    while kill -0 "$pid" 2>/dev/null; do
        if grep -qs '"type":"end"' "$out"/*/run.jsonl; then break; fi
        t=$(awk '{ print $14 + $15 }' "/proc/$pid/stat" 2>/dev/null || echo "$ticks")
        ticks=$t
        sleep 0.1
    done
    wait "$pid" || true
    local stats seconds
    stats=$("$EXAMPLES/run_stats" "$out"/*/)
    seconds=$(field seconds <<<"$stats")
    echo "$(field xps <<<"$stats") $(field total_p50_ms <<<"$stats") $(field total_p99_ms <<<"$stats") $(echo "$ticks / $hz / $seconds" | bc -l) $(field errors <<<"$stats")"
    rm -rf "$out"
}

N=${#TOOLS[@]}
for r in $(seq "$ROUNDS"); do
    for c in $CONCURRENCY; do
        for i in $(seq 0 $((N - 1))); do
            tool=${TOOLS[$(( (i + r - 1) % N ))]}
            line=$("run_$tool" "$c" "$r")
            echo "$line" >>"$WORK/$tool.$c.all"
            echo "round $r c=$c $tool: $line" >&2
        done
    done
done

col() { awk -v c="$1" '{ print $c }' "$2" | median; }
echo
echo "Medians of $ROUNDS interleaved rounds (order rotated), ${SECONDS_PER}s per tool (touchpoint: $((REPEAT * 512)) walks), $TARGET with $SERVER_THREADS worker; $(machine); load at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| c | load generator | req/s | / wrk | p50 ms | p99 ms | client CPU (cores) |"
echo "| ---: | --- | ---: | ---: | ---: | ---: | ---: |"
for c in $CONCURRENCY; do
    w=$(col 1 "$WORK/wrk.$c.all")
    for tool in "${TOOLS[@]}"; do
        f=$WORK/$tool.$c.all
        name=$tool
        [ "$tool" = tp ] && name="touchpoint (errors: $(col 5 "$f"))"
        [ "$tool" = tp0 ] && name="touchpoint before (errors: $(col 5 "$f"))"
        printf "| %s | %s | %.0f | %.2f | %.2f | %.2f | %.2f |\n" "$c" "$name" "$(col 1 "$f")" "$(echo "$(col 1 "$f") / $w" | bc -l)" "$(col 2 "$f")" "$(col 3 "$f")" "$(col 4 "$f")"
    done
done
