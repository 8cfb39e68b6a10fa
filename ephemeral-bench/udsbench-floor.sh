#!/usr/bin/env bash
# The physical floor of one pipelined connection, beside our broker and redis-server.
#
#   ephemeral-bench/udsbench-floor.sh BENCH_DIR [OP] [CONNSxPIPELINE] [OPS] [ROUNDS]
#
# BENCH_DIR holds the neutral C generator udsbench.c and the trivial epoll line-echo server
# uds-echo.c. Both are compiled (gcc -O2) into a temporary directory. Then, ROUNDS times
# (default 3), udsbench drives the echo server, our broker and redis-server in turn with the same
# cell (default get 1x32, 3,000,000 requests), and one line per run gives udsbench's rate and
# each server's CPU per request (utime+stime from /proc over the run, warm-up included; our
# broker gets one untimed run of 1,000,000 requests first, for its JIT compiler). The
# echo server does no work beyond read, write and epoll_wait, so its CPU per request is what the
# kernel's system calls and wake-ups cost on this machine. The first lines give what one sleep
# and wake-up costs a thread here.
set -euo pipefail

here="$(cd -P "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
src="${1:?usage: udsbench-floor.sh BENCH_DIR [OP] [CONNSxPIPELINE] [OPS] [ROUNDS]}"
op="${2:-get}"
shape="${3:-1x32}"
ops="${4:-3000000}"
rounds="${5:-3}"
conns="${shape%x*}"
pipeline="${shape#*x}"
warmup=50000

command -v redis-server > /dev/null || { echo "redis-server is not on the PATH" >&2; exit 3; }
dir="$(mktemp -d)"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2> /dev/null || true; done
  wait 2> /dev/null || true
  rm -rf "$dir"
}
trap cleanup EXIT

gcc -O2 -o "$dir/udsbench" "$src/udsbench.c"
gcc -O2 -o "$dir/uds-echo" "$src/uds-echo.c"
# What one sleep and wake-up costs the sleeper: a loop of short nanosleeps (timer slack 1 ns),
# wall time and the thread's own CPU time per call.
cat > "$dir/sleepcost.c" << 'C'
#include <stdio.h>
#include <sys/prctl.h>
#include <time.h>
static double ns(clockid_t c) { struct timespec t; clock_gettime(c, &t); return t.tv_sec * 1e9 + t.tv_nsec; }
int main(void) {
  prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
  for (int us = 2; us <= 16; us *= 2) {
    struct timespec d = {0, us * 1000L};
    int n = 20000;
    double w = ns(CLOCK_MONOTONIC), c = ns(CLOCK_THREAD_CPUTIME_ID);
    for (int i = 0; i < n; i++) nanosleep(&d, 0);
    printf("sleep %2d us: wall %.1f us, cpu %.1f us per call\n", us,
        (ns(CLOCK_MONOTONIC) - w) / n / 1000, (ns(CLOCK_THREAD_CPUTIME_ID) - c) / n / 1000);
  }
  return 0;
}
C
gcc -O2 -o "$dir/sleepcost" "$dir/sleepcost.c"

"$dir/uds-echo" "$dir/echo.sock" > "$dir/echo.log" 2>&1 &
pids+=($!)
echo_pid=$!
redis-server --port 0 --unixsocket "$dir/redis.sock" --save '' --appendonly no --dir "$dir" > "$dir/redis.log" &
pids+=($!)
redis_pid=$!
# exec in the launcher: the pid started here is the broker's JVM.
"$root/bin/ephemeral-broker" start --socket "$dir/broker.sock" --max-items 0 > "$dir/broker.log" 2>&1 &
pids+=($!)
broker_pid=$!

for sock in echo redis broker; do
  for _ in $(seq 100); do [ -S "$dir/$sock.sock" ] && break; sleep 0.1; done
  if [ ! -S "$dir/$sock.sock" ]; then
    echo "$sock did not start; its output:" >&2
    cat "$dir/$sock.log" >&2
    exit 1
  fi
done

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

run() { # name pid socket proto
  local before after line
  before=$(cpu_ticks "$2")
  line=$("$dir/udsbench" --path "$3" --proto "$4" --op "$op" --conns "$conns" --pipeline "$pipeline" \
    --ops "$ops" --warmup "$warmup")
  after=$(cpu_ticks "$2")
  echo "$1 $(echo "$line" | grep -o 'ops_per_s=[0-9]* p50_us=[0-9.]* p99_us=[0-9.]*')" \
    "server_cpu_us_per_op=$(awk -v t=$((after - before)) -v hz="$(getconf CLK_TCK)" -v n=$((ops + warmup)) \
      'BEGIN { printf "%.2f", t * 1e6 / hz / n }')" \
    "$(echo "$line" | grep -o 'errors=[0-9]* misses=[0-9]* mismatches=[0-9]*')"
}

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)," \
  "load average $(cut -d' ' -f1-3 /proc/loadavg)"
"$dir/sleepcost"
echo "cell: $op ${conns}x$pipeline, $ops requests after $warmup warm-up, $rounds rounds"
# The broker's JVM compiles its hot paths during its first million requests (the compiler
# threads' CPU would count in the first round); the C servers need no such run.
"$dir/udsbench" --path "$dir/broker.sock" --proto ndjson --op "$op" --conns "$conns" --pipeline "$pipeline" \
  --ops 1000000 > /dev/null
for _ in $(seq "$rounds"); do
  run echo "$echo_pid" "$dir/echo.sock" echo
  run ours "$broker_pid" "$dir/broker.sock" ndjson
  run redis "$redis_pid" "$dir/redis.sock" resp
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
