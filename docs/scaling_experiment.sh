#!/usr/bin/env bash
# docs/scaling_experiment.sh: the scaled-down experiment of docs/scaling.md. For each
# configuration "RxW" in --configs (R receivers, W workers): a fresh PostgreSQL, roadsense-queue,
# R receivers and W workers (2 poll loops each); R simulators (one per receiver, distinct seeds)
# send --reports in total; then it waits until tile_stats holds every report. Prints per
# configuration: ingest reports/s (all acknowledged), verified reports/s (until all are in
# PostgreSQL), and the CPU seconds each tier spent per 100k reports (utime+stime from /proc;
# PostgreSQL: postmaster, its live backends and its reaped children) — the inputs of the model.
#
#   docs/scaling_experiment.sh [--configs 1x1,1x2,1x4,2x1,2x2] [--reports 200000] [--bin build/bin]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

configs=1x1,1x2,1x4,2x1,2x2
reports=200000
bin="$(pwd)/build/bin"
while (($#)); do
  case "$1" in
    --configs) configs="$2"; shift 2 ;;
    --reports) reports="$2"; shift 2 ;;
    --bin) bin=$(cd "$2" && pwd); shift 2 ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done
work=$(mktemp -d /tmp/roadsense-scaling-XXXXXX)
chmod 755 "$work"
pids=()
pg_dir=""
cleanup() {
  stop_services
  [[ -n $pg_dir ]] && scripts/pg-cluster stop "$pg_dir" immediate >/dev/null 2>&1
  rm -rf "$work"
}
trap cleanup EXIT

# CPU seconds (utime+stime, plus reaped children's with "tree") of the given pids.
cpu() {
  python3 - "$@" <<'PY'
import os, sys
hz = os.sysconf("SC_CLK_TCK")
total = 0
for arg in sys.argv[1:]:
    tree = arg.startswith("tree:")
    pid = int(arg[5:] if tree else arg)
    pids = [pid]
    if tree:
        for p in os.listdir("/proc"):
            if p.isdigit():
                try:
                    if int(open(f"/proc/{p}/stat").read().rsplit(")", 1)[1].split()[1]) == pid:
                        pids.append(int(p))
                except OSError:
                    pass
    for p in pids:
        try:
            f = open(f"/proc/{p}/stat").read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(f[11]) + int(f[12]) + ((int(f[13]) + int(f[14])) if p == pid and tree else 0)
print(total / hz)
PY
}

# CPU seconds of this shell's reaped children (the simulators, once waited for). `times` must
# run in this shell, not in a $(...) subshell.
children_cpu() {
  times >"$work/times"
  tail -1 "$work/times" | python3 -c '
import re, sys
print(sum(float(m) * 60 + float(s) for m, s in re.findall(r"(\d+)m([\d.]+)s", sys.stdin.read())))'
}

echo "scaling experiment: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)," \
  "commit $(git rev-parse --short HEAD), $reports reports of 50 per upload"
printf '| receivers | workers | ingest reports/s | verified reports/s | CPU s per 100k reports: receivers | queue | workers | PostgreSQL | simulators | load avg |\n'
printf '|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n'
IFS=, read -ra list <<<"$configs"
for cfg in "${list[@]}"; do
  r=${cfg%x*}
  w=${cfg#*x}
  dir="$work/$cfg"
  mkdir -p "$dir"
  chmod 755 "$dir"
  pg_port=$(free_port)
  queue_port=$(free_port)
  db="host=127.0.0.1 port=$pg_port dbname=roadsense user=roadsense"
  queue_url="http://127.0.0.1:$queue_port/000000000000/scaling"
  pg_dir="$dir/pg"
  scripts/pg-cluster start "$pg_dir" "$pg_port" >/dev/null
  pg_pid=$(head -1 "$pg_dir/data/postmaster.pid" 2>/dev/null || head -1 "$pg_dir"/*/postmaster.pid)
  start_service "$dir/queue.log" "$bin/roadsense-queue" --listen "127.0.0.1:$queue_port" \
    --data-dir "$dir/queue"
  queue_pid=${pids[-1]}
  wait_port "$queue_port" "$dir/queue.log"
  receiver_pids=()
  receiver_ports=()
  for i in $(seq 1 "$r"); do
    port=$(free_port)
    start_service "$dir/receiver-$i.log" "$bin/roadsense-receiver" --listen "127.0.0.1:$port" \
      --queue-url "$queue_url" --threads 1
    receiver_pids+=("${pids[-1]}")
    receiver_ports+=("$port")
    wait_port "$port" "$dir/receiver-$i.log"
  done
  worker_pids=()
  for i in $(seq 1 "$w"); do
    start_service "$dir/worker-$i.log" "$bin/roadsense-worker" --queue-url "$queue_url" --db "$db"
    worker_pids+=("${pids[-1]}")
  done
  # Workers migrate the schema first.
  until psql "$db" -Atc "SELECT 1 FROM tile_stats LIMIT 1" >/dev/null 2>&1; do sleep 0.1; done

  before_r=$(cpu "${receiver_pids[@]}")
  before_q=$(cpu "$queue_pid")
  before_w=$(cpu "${worker_pids[@]}")
  before_pg=$(cpu "tree:$pg_pid")
  start=$(date +%s.%N)
  sim_pids=()
  for i in $(seq 1 "$r"); do
    "$bin/roadsense-sim" --target "http://127.0.0.1:${receiver_ports[$((i - 1))]}" \
      --vehicles $((1000 / r)) --reports $((reports / r)) --reports-per-batch 50 \
      --concurrency 32 --seed $((100 + i)) --out "$dir/sim-$i.json" --log-level warn \
      >"$dir/sim-$i.log" 2>&1 &
    sim_pids+=($!)
  done
  children_cpu >"$work/cpu-before"
  for p in "${sim_pids[@]}"; do wait "$p"; done
  children_cpu >"$work/cpu-after"
  sim_cpu=$(python3 -c "print($(cat "$work/cpu-after") - $(cat "$work/cpu-before"))")
  ingest_end=$(date +%s.%N)
  until [[ $(psql "$db" -Atc "SELECT coalesce(sum(reports),0) FROM tile_stats") -ge $reports ]]; do
    sleep 0.1
  done
  end=$(date +%s.%N)
  after_r=$(cpu "${receiver_pids[@]}")
  after_q=$(cpu "$queue_pid")
  after_w=$(cpu "${worker_pids[@]}")
  after_pg=$(cpu "tree:$pg_pid")
  python3 - "$r" "$w" "$reports" "$start" "$ingest_end" "$end" \
    "$before_r" "$after_r" "$before_q" "$after_q" "$before_w" "$after_w" "$before_pg" "$after_pg" \
    "$sim_cpu" <<'PY'
import os, sys
r, w, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
start, ingest_end, end = map(float, sys.argv[4:7])
c = list(map(float, sys.argv[7:15]))
sim = float(sys.argv[15])
per = lambda a, b: "%.2f" % ((b - a) / n * 1e5)
load = os.getloadavg()[0]
print(f"| {r} | {w} | {n / (ingest_end - start):,.0f} | {n / (end - start):,.0f} | "
      f"{per(c[0], c[1])} | {per(c[2], c[3])} | {per(c[4], c[5])} | {per(c[6], c[7])} | "
      f"{'%.2f' % (sim / n * 1e5) if sim else '-'} | {load:.1f} |")
PY
  stop_services
  scripts/pg-cluster stop "$pg_dir" immediate >/dev/null 2>&1 || true
  pg_dir=""
done
