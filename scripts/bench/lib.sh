# Shared by the benchmark scripts (sourced, not run). See BENCHMARKS.md.

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
TP=${TP:-$TARGET_DIR/release/touchpoint}
EXAMPLES=${EXAMPLES:-$TARGET_DIR/release/examples}

# One release build of everything the scripts run.
build() {
    (cd "$ROOT" && cargo build --release --bin touchpoint --example static_server --example run_stats "$@") >&2
}

# write_suite DIR MODE PERSONAS — a one-question, one-channel sweep over
# PERSONAS generated customers. MODE `fast`: the reply is in the response
# (POST /answer). MODE `slow`: poll mode against /slow/events (the reply
# appears after the server's --reply-after).
write_suite() {
    local dir=$1 mode=$2 n=$3
    mkdir -p "$dir"
    cat >"$dir/map.toml" <<'TOML'
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
api = "2s"
TOML
    if [ "$mode" = fast ]; then
        cat >"$dir/channels.toml" <<'TOML'
[api]
kind = "chat"
timeout = "10s"
[api.send]
method = "POST"
url = "/answer"
json = { text = "{{ message }}", customer = "{{ persona.email }}" }
[api.receive]
reply = "$.answer"
TOML
    else
        cat >"$dir/channels.toml" <<'TOML'
[api]
kind = "chat"
timeout = "30s"
[api.send]
method = "POST"
url = "/slow/messages"
json = { text = "{{ message }}", customer = "{{ persona.email }}" }
capture = { conversation = "$.conversation" }
[api.receive]
mode = "poll"
request = { url = "/slow/events/{{ conversation }}", query = { after = "{{ cursor }}" } }
every = "5s"
backoff = 1.0
max_every = "5s"
max_wait = "90s"
reply = "$.events[?@.type == 'message' && @.role == 'agent']"
text = "$.text"
cursor = "$.next"
TOML
    fi
    cat >"$dir/sweeps.toml" <<'TOML'
[[sweeps]]
id = "bench"
questions = ["refund"]
channels = ["api"]
personas = ["*"]
journey = "support"
stage = "ask"
TOML
    awk -v n="$n" 'BEGIN { for (i = 1; i <= n; i++) printf "[[personas]]\nid = \"p%06d\"\nname = \"Pat%06d Doe\"\nemail = \"pat%06d@example.com\"\n\n", i, i, i }' >"$dir/personas.toml"
}

# start_server ARGS... — starts static_server in the background; sets
# SERVER_PID and SERVER_URL.
start_server() {
    local log
    log=$(mktemp)
    "$EXAMPLES/static_server" "$@" >"$log" 2>&1 &
    SERVER_PID=$!
    for _ in $(seq 100); do
        SERVER_URL=$(sed -n 's/^listening on //p' "$log")
        [ -n "$SERVER_URL" ] && return 0
        sleep 0.05
    done
    echo "static_server did not start:" >&2
    cat "$log" >&2
    return 1
}

stop_server() {
    if [ -n "${SERVER_PID:-}" ]; then
        kill "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    SERVER_PID=
}

# median of the numbers on stdin
median() {
    sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) { print "nan"; exit } if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# field KEY <<< "k=v k2=v2" — one value from run_stats output
field() {
    tr ' ' '\n' | sed -n "s/^$1=//p"
}

machine() {
    echo "$(nproc) cores ($(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)), $(free -g | awk '/^Mem:/ { print $2 }') GB RAM, Linux $(uname -r), $(rustc --version)"
}

# The perf mix's help page (the same 4 KB article as static_server's
# `/help/refunds`), on stdout.
help_page() {
    printf '<!doctype html><html><head><title>Refunds</title></head><body><nav><ul>'
    for i in $(seq 40); do printf '<li><a href="/help/topic-%d">Help topic %d</a></li>' "$i" "$i"; done
    printf '</ul></nav><main><h1>Returning your router</h1><article class="answer"><p>You can return your router within 30 days of delivery for a full refund.</p><p>Call 0800 123 4567 to arrange a collection.</p></article></main><footer>Acme Broadband, 1 High Street</footer></body></html>'
}

# start_nginx DIR WORKERS — nginx (when installed) serving the perf mix on a
# free loopback port: `POST /chat` a fixed JSON answer, `GET /help/refunds`
# the help page; sets SERVER_PID and SERVER_URL. DIR holds its config and logs.
start_nginx() {
    local dir=$1 workers=$2 port
    port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    mkdir -p "$dir/nginx"
    help_page >"$dir/nginx/help.html"
    cat >"$dir/nginx/nginx.conf" <<CONF
worker_processes $workers;
daemon off;
$( [ "$(id -u)" = 0 ] && echo "user root;" )
pid $dir/nginx/nginx.pid;
error_log $dir/nginx/error.log warn;
events { worker_connections 8192; }
http {
    access_log off;
    keepalive_requests 1000000;
    keepalive_timeout 60s;
    client_body_temp_path $dir/nginx/body;
    proxy_temp_path $dir/nginx/proxy;
    fastcgi_temp_path $dir/nginx/fastcgi;
    uwsgi_temp_path $dir/nginx/uwsgi;
    scgi_temp_path $dir/nginx/scgi;
    server {
        listen 127.0.0.1:$port;
        location = /chat { default_type application/json; return 200 '{"answer":"Refunds within 30 days."}'; }
        location = /help/refunds { default_type text/html; alias $dir/nginx/help.html; }
    }
}
CONF
    nginx -c "$dir/nginx/nginx.conf" -e "$dir/nginx/error.log" >"$dir/nginx/stdout" 2>&1 &
    SERVER_PID=$!
    SERVER_URL=http://127.0.0.1:$port
    for _ in $(seq 100); do
        curl -fs -o /dev/null "$SERVER_URL/help/refunds" && return 0
        sleep 0.05
    done
    echo "nginx did not start:" >&2
    cat "$dir/nginx/stdout" "$dir/nginx/error.log" >&2
    return 1
}
