# shellcheck shell=bash
# Shell functions shared by scripts/demo and bench/pipeline (source it; it only defines
# functions). Services started with start_service are remembered in the array `pids`;
# stop_services stops them.

# A TCP port on 127.0.0.1 that was free a moment ago.
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# wait_port PORT [LOGS]: waits up to 10 s until something accepts on 127.0.0.1:PORT; otherwise
# says so (pointing at LOGS) and fails.
wait_port() {
  for _ in $(seq 1 200); do
    (echo >"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.05
  done
  echo "$(basename "$0"): nothing listening on port $1${2:+ (see $2)}" >&2
  return 1
}

# start_service LOG COMMAND...: runs COMMAND in the background, output to LOG.
start_service() {
  local log=$1
  shift
  "$@" >"$log" 2>&1 &
  pids+=($!)
}

# Stops (SIGTERM) and reaps every service started with start_service.
stop_services() {
  local pid
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  pids=()
}
