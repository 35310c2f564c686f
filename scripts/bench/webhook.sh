#!/usr/bin/env bash
# Callbacks per second the webhook receiver handles (`engine/webhook.rs`),
# next to the send path's figure: wrk POSTs JSON chat callbacks to the
# conversations' hook URLs of examples/webhook_receiver.rs, which drains
# each inbox as a waiting step does (normalise, select the reply). See
# BENCHMARKS.md.
#
#   scripts/bench/webhook.sh                  # 3 rounds, c=256, 256 conversations
#   ROUNDS=5 CONCURRENCY=64 scripts/bench/webhook.sh
#
# Prints medians: callbacks handled per second (counted by the receiver),
# wrk's requests/s and non-2xx answers (429: an inbox was full), and the
# receiver's CPU in cores.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

ROUNDS=${ROUNDS:-3}
CONCURRENCY=${CONCURRENCY:-256}
CONVERSATIONS=${CONVERSATIONS:-256}
SECONDS_PER=${SECONDS_PER:-8}
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install -y wrk" >&2; exit 1; }

[ "${SKIP_BUILD:-}" ] || build --example webhook_receiver
WORK=$(mktemp -d /tmp/touchpoint-webhook.XXXXXX)
RECEIVER_PID=
trap '[ -n "$RECEIVER_PID" ] && kill "$RECEIVER_PID" 2>/dev/null; rm -rf "$WORK"' EXIT
echo "$(machine); $(uptime)" >&2

cat >"$WORK/hooks.lua" <<'LUA'
local paths = {}
for line in io.lines(os.getenv("HOOK_PATHS")) do paths[#paths + 1] = line end
local n = 0
local body = '{"type":"message","role":"agent","thread":"t-1","text":"Refunds are accepted within 30 days of delivery."}'
request = function()
  n = n + 1
  return wrk.format("POST", paths[(n % #paths) + 1], { ["Content-Type"] = "application/json" }, body)
end
LUA

for r in $(seq "$ROUNDS"); do
    out=$WORK/receiver.$r
    "$EXAMPLES/webhook_receiver" --conversations "$CONVERSATIONS" --seconds $((SECONDS_PER + 3)) --paths "$WORK/paths" >"$out" &
    RECEIVER_PID=$!
    for _ in $(seq 100); do grep -qs '^listening on ' "$out" && break; sleep 0.05; done
    url=$(sed -n 's/^listening on //p' "$out")
    HOOK_PATHS=$WORK/paths wrk -t2 -c"$CONCURRENCY" -d"${SECONDS_PER}s" -s "$WORK/hooks.lua" "$url" >"$WORK/wrk.$r"
    wait "$RECEIVER_PID"
    RECEIVER_PID=
    line=$(tail -1 "$out")
    rps=$(awk '/^Requests\/sec:/ { print $2 }' "$WORK/wrk.$r")
    non2xx=$(awk '/Non-2xx/ { print $NF }' "$WORK/wrk.$r")
    echo "$(field cps <<<"$line") $rps ${non2xx:-0} $(echo "$(field cpu_s <<<"$line") / $SECONDS_PER" | bc -l) $(field replies <<<"$line")" >>"$WORK/all"
    echo "round $r: receiver $line; wrk $rps req/s, non-2xx ${non2xx:-0}" >&2
done

col() { awk -v c="$1" '{ print $c }' "$WORK/all" | median; }
echo
echo "Medians of $ROUNDS rounds, ${SECONDS_PER}s each, wrk -t2 -c$CONCURRENCY over $CONVERSATIONS conversations; load at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| callbacks handled/s | wrk req/s | non-2xx (429) | receiver CPU (cores) |"
echo "| ---: | ---: | ---: | ---: |"
printf "| %.0f | %.0f | %.0f | %.2f |\n" "$(col 1)" "$(col 2)" "$(col 3)" "$(col 4)"
