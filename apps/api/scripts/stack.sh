#!/usr/bin/env bash
# `npm run stack`: local services (Postgres, Redis, s3rver) → migrations → API (PORT, default 8080)
# + one worker (health on WORKER_HEALTH_PORT, default 8081). Ctrl-C stops API and worker gracefully.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
cd "$ROOT"

bash scripts/services.sh up
export DATABASE_URL=${DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/anet}
export REDIS_URL=${REDIS_URL:-redis://127.0.0.1:6379}
export S3_ENDPOINT=${S3_ENDPOINT:-http://127.0.0.1:${S3RVER_PORT:-4569}}
export S3_BUCKET=${S3_BUCKET:-anet}
export S3_ACCESS_KEY_ID=${S3_ACCESS_KEY_ID:-S3RVER}
export S3_SECRET_ACCESS_KEY=${S3_SECRET_ACCESS_KEY:-S3RVER}
export PORT=${PORT:-8080}
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
echo "[stack] API on http://127.0.0.1:$PORT (docs: /docs), worker health on :${WORKER_HEALTH_PORT:-8081}" >&2
# If either process dies, take the other down too.
wait -n "$API" "$WORKER" || true
stop
exit 1
