#!/usr/bin/env bash
# Local services for dev and tests: PostgreSQL, Redis, s3rver.
#   scripts/services.sh up     [postgres] [redis] [s3rver]   (default: all three)
#   scripts/services.sh down   [postgres] [redis] [s3rver]   stops only what `up` started
#   scripts/services.sh status
# On a bare Debian machine `up` installs postgresql / redis-server with apt first.
# Env: PGPORT (5432), PG_CLUSTER (main), REDIS_PORT (6379), S3RVER_PORT (4569), S3_BUCKET (anet),
#      ANET_SERVICES_DIR (.services: pid files, logs, s3rver and redis data).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
STATE=${ANET_SERVICES_DIR:-$ROOT/.services}
PGPORT=${PGPORT:-5432}
PG_CLUSTER=${PG_CLUSTER:-main}
REDIS_PORT=${REDIS_PORT:-6379}
S3RVER_PORT=${S3RVER_PORT:-4569}
S3_BUCKET=${S3_BUCKET:-anet}
DATABASES=(anet anet_test)
SUDO=""
[ "$(id -u)" = 0 ] || SUDO=sudo

log() { echo "[services] $*" >&2; }
die() { log "error: $*"; exit 1; }

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_for() { # wait_for <what> <seconds> <command...>
  local what=$1 secs=$2
  shift 2
  for _ in $(seq $((secs * 10))); do
    "$@" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  die "$what did not come up within ${secs}s"
}

apt_install() {
  log "installing $* with apt"
  # Debian's maintainer scripts try to start the daemons; on machines without systemd that
  # may fail harmlessly — we start them ourselves below.
  $SUDO flock /tmp/anet-apt.lock sh -c "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $*" >&2
}

pg_ready() { pg_isready -q -h 127.0.0.1 -p "$PGPORT"; }
psql_admin() { psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PGPORT" -U postgres -d postgres "$@"; }

# Loopback trust, as on the dev machines: only for a cluster this script installed or created.
trust_loopback() {
  local hba="/etc/postgresql/$1/$PG_CLUSTER/pg_hba.conf"
  if ! $SUDO grep -q '^host all all 127.0.0.1/32 trust' "$hba"; then
    log "allowing passwordless loopback connections in $hba (dev/CI only)"
    $SUDO sed -i '1i host all all 127.0.0.1/32 trust\nhost all all ::1/128 trust\nlocal all postgres trust' "$hba"
  fi
}

postgres_up() {
  if ! pg_ready; then
    local fresh=0 version
    if ! command -v pg_ctlcluster >/dev/null; then
      apt_install postgresql
      fresh=1
    fi
    version=$(ls /etc/postgresql 2>/dev/null | sort -V | tail -1)
    [ -n "$version" ] || die "no PostgreSQL version under /etc/postgresql"
    if [ ! -d "/etc/postgresql/$version/$PG_CLUSTER" ]; then
      log "postgres: creating cluster $version/$PG_CLUSTER on port $PGPORT"
      $SUDO pg_createcluster "$version" "$PG_CLUSTER" -p "$PGPORT" >&2
      fresh=1
    fi
    [ "$fresh" = 0 ] || trust_loopback "$version"
    if pg_ready; then
      # apt's maintainer script started it: pick up the pg_hba change.
      $SUDO pg_ctlcluster --skip-systemctl-redirect "$version" "$PG_CLUSTER" reload >&2
    else
      log "postgres: starting cluster $version/$PG_CLUSTER"
      $SUDO pg_ctlcluster --skip-systemctl-redirect "$version" "$PG_CLUSTER" start >&2
      echo "$version $PG_CLUSTER" >"$STATE/postgres-$PG_CLUSTER.started"
    fi
    wait_for postgres 30 pg_ready
  fi
  log "postgres: answering on 127.0.0.1:$PGPORT"
  for db in "${DATABASES[@]}"; do
    if [ -z "$(psql_admin -tAc "SELECT 1 FROM pg_database WHERE datname = '$db'")" ]; then
      log "postgres: creating database $db"
      psql_admin -c "CREATE DATABASE \"$db\""
    fi
  done
}

postgres_down() {
  if [ -f "$STATE/postgres-$PG_CLUSTER.started" ]; then
    read -r version cluster <"$STATE/postgres-$PG_CLUSTER.started"
    log "postgres: stopping cluster $version/$cluster (started by this script)"
    $SUDO pg_ctlcluster --skip-systemctl-redirect "$version" "$cluster" stop >&2 || true
    rm -f "$STATE/postgres-$PG_CLUSTER.started"
  else
    log "postgres: not started by this script; leaving it"
  fi
}

redis_ready() { [ "$(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null)" = PONG ]; }

redis_up() {
  if redis_ready; then
    log "redis: answering on 127.0.0.1:$REDIS_PORT"
    return
  fi
  command -v redis-server >/dev/null || apt_install redis-server
  # apt's own start may have raced us onto the port.
  if redis_ready; then return; fi
  log "redis: starting on 127.0.0.1:$REDIS_PORT"
  mkdir -p "$STATE/redis-$REDIS_PORT"
  # No persistence: dev/test data is disposable (compose's redis uses AOF).
  redis-server --daemonize yes --bind 127.0.0.1 --port "$REDIS_PORT" --save "" --appendonly no \
    --dir "$STATE/redis-$REDIS_PORT" --logfile "$STATE/redis-$REDIS_PORT.log" --pidfile "$STATE/redis-$REDIS_PORT.pid"
  wait_for redis 15 redis_ready
}

# Stops a daemon this script started, by the pid it recorded; anything else is left alone.
stop_pidfile() {
  local name=$1 pid
  if [ -f "$STATE/$name.pid" ]; then
    pid=$(cat "$STATE/$name.pid")
    # A stale pid may have been reused: only kill what still looks like our daemon.
    if ps -p "$pid" -o args= 2>/dev/null | grep -q "${name%%-*}"; then
      log "$name: stopping pid $pid (started by this script)"
      kill "$pid"
    else
      log "$name: pid $pid is gone"
    fi
    rm -f "$STATE/$name.pid"
  else
    log "$name: not started by this script; leaving it"
  fi
}

redis_down() { stop_pidfile "redis-$REDIS_PORT"; }

s3rver_up() {
  if port_open "$S3RVER_PORT"; then
    log "s3rver: something already answers on 127.0.0.1:$S3RVER_PORT"
    return
  fi
  [ -d "$ROOT/node_modules/s3rver" ] || die "s3rver is not installed: run npm ci first"
  mkdir -p "$STATE/s3rver"
  log "s3rver: starting on 127.0.0.1:$S3RVER_PORT (data in $STATE/s3rver, bucket $S3_BUCKET)"
  # s3rver plus the multipart-upload listing and abort it lacks (scripts/localS3.ts).
  (cd "$ROOT" && exec nohup node --import tsx scripts/localS3.ts 127.0.0.1 "$S3RVER_PORT" "$STATE/s3rver" "$S3_BUCKET") \
    >"$STATE/s3rver-$S3RVER_PORT.log" 2>&1 &
  echo $! >"$STATE/s3rver-$S3RVER_PORT.pid"
  wait_for s3rver 20 port_open "$S3RVER_PORT"
}

s3rver_down() { stop_pidfile "s3rver-$S3RVER_PORT"; }

status() {
  local rc=0
  if pg_ready; then echo "postgres  up    127.0.0.1:$PGPORT"; else echo "postgres  down  127.0.0.1:$PGPORT"; rc=1; fi
  if redis_ready; then echo "redis     up    127.0.0.1:$REDIS_PORT"; else echo "redis     down  127.0.0.1:$REDIS_PORT"; rc=1; fi
  if port_open "$S3RVER_PORT"; then echo "s3rver    up    127.0.0.1:$S3RVER_PORT"; else echo "s3rver    down  127.0.0.1:$S3RVER_PORT"; rc=1; fi
  return $rc
}

cmd=${1:-up}
shift || true
components=("$@")
[ ${#components[@]} -gt 0 ] || components=(postgres redis s3rver)
mkdir -p "$STATE"

case "$cmd" in
  up)
    for c in "${components[@]}"; do
      case "$c" in postgres | redis | s3rver) "${c}_up" ;; *) die "unknown service: $c" ;; esac
    done
    ;;
  down)
    for c in "${components[@]}"; do
      case "$c" in postgres | redis | s3rver) "${c}_down" ;; *) die "unknown service: $c" ;; esac
    done
    ;;
  status) status ;;
  *) die "usage: scripts/services.sh up|down|status [postgres] [redis] [s3rver]" ;;
esac
