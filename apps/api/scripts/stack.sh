#!/usr/bin/env bash
# `npm run stack`: local services (Postgres, Redis, s3rver) → migrations → API (PORT, default 8080)
# + one worker (health on WORKER_HEALTH_PORT, default 8081). Ctrl-C stops API and worker gracefully.
#
# A second stack beside the first: ANET_STACK_PORT_BASE=9000 npm run stack moves everything that
# would collide together — API on 9000, worker health on 9001, s3rver on 9002, database anet_9000,
# queue anet-analyse-9000, Redis prefix anet-9000, bucket anet-9000 — on the same Postgres and Redis.
# Both processes bind HOST (default 127.0.0.1). On a terminal, logs are one readable line each
# (LOG_FORMAT=pretty); piped, they stay JSON.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
cd "$ROOT"

if [ -n "${ANET_STACK_PORT_BASE:-}" ]; then
  base=$ANET_STACK_PORT_BASE
  [[ "$base" =~ ^[0-9]+$ ]] && [ "$base" -ge 1024 ] && [ "$base" -le 65532 ] ||
    { echo "[stack] ANET_STACK_PORT_BASE must be a port number 1024–65532, got '$base'" >&2; exit 2; }
  export PORT=${PORT:-$base}
  export WORKER_HEALTH_PORT=${WORKER_HEALTH_PORT:-$((base + 1))}
  export S3RVER_PORT=${S3RVER_PORT:-$((base + 2))}
  export DATABASE_URL=${DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/anet_$base}
  export QUEUE_NAME=${QUEUE_NAME:-anet-analyse-$base}
  export REDIS_PREFIX=${REDIS_PREFIX:-anet-$base}
  export S3_BUCKET=${S3_BUCKET:-anet-$base}
  export ANET_SERVICES_DIR=${ANET_SERVICES_DIR:-$ROOT/.services/stack-$base}
fi
export S3_BUCKET=${S3_BUCKET:-anet}
export DATABASE_URL=${DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/anet}
export REDIS_URL=${REDIS_URL:-redis://127.0.0.1:6379}
export S3_ENDPOINT=${S3_ENDPOINT:-http://127.0.0.1:${S3RVER_PORT:-4569}}
export S3_ACCESS_KEY_ID=${S3_ACCESS_KEY_ID:-S3RVER}
export S3_SECRET_ACCESS_KEY=${S3_SECRET_ACCESS_KEY:-S3RVER}
export PORT=${PORT:-8080}
export HOST=${HOST:-127.0.0.1}
if [ -t 1 ]; then export LOG_FORMAT=${LOG_FORMAT:-pretty}; fi
# ANET_STACK_DRY_RUN=1: print the settings this stack would run with, start nothing.
if [ "${ANET_STACK_DRY_RUN:-}" = 1 ]; then
  env | grep -E '^(PORT|HOST|WORKER_HEALTH_PORT|S3RVER_PORT|DATABASE_URL|QUEUE_NAME|REDIS_PREFIX|S3_BUCKET|S3_ENDPOINT|LOG_FORMAT)=' | sort
  exit 0
fi
bash scripts/services.sh up
npm run -s db:migrate

node --import tsx apps/api/src/server.ts &
API=$!
node --import tsx apps/worker/src/main.ts &
WORKER=$!
stop() {
  kill -TERM "$API" "$WORKER" 2>/dev/null || true
  wait "$API" "$WORKER" 2>/dev/null || true
}
trap 'stop; exit 0' INT TERM
echo "[stack] API on http://$HOST:$PORT (docs: /docs), worker health on $HOST:${WORKER_HEALTH_PORT:-8081}, queue ${QUEUE_NAME:-anet-analyse}, database ${DATABASE_URL##*/}" >&2
# If either process dies, take the other down too.
wait -n "$API" "$WORKER" || true
stop
exit 1
