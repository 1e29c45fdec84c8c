#!/usr/bin/env bash
# Migration SQL from Prisma 6.19's `migrate diff` (WASM schema engine: needs no engine download,
# which Prisma 7's CLI cannot do here). Review what it prints before committing it.
#   bash prisma/diff.sh            SQL from an empty database to prisma/schema.prisma
#   bash prisma/diff.sh <git-ref>  SQL from the schema at <git-ref> (e.g. HEAD) to the working one
#   bash prisma/diff.sh --check    drift check: the committed migrations (applied by our runner) must
#                                  build the same tables, columns, indexes, constraints and enums as
#                                  schema.prisma; exits 1 and prints the difference otherwise
# Needs npm registry access (installs prisma@6.19.0 in a temp dir) and a reachable PostgreSQL
# (ANET_DIFF_DATABASE_URL, default the local server as postgres; diffing two schemas changes nothing there).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
export ANET_DIFF_DATABASE_URL=${ANET_DIFF_DATABASE_URL:-postgresql://postgres@127.0.0.1:${PGPORT:-5432}/postgres}

# Prisma 6 wants a datasource url and knows no `prisma-client` generator options: adapt a copy.
to_v6() {
  sed -e '/^generator client {/,/^}/d' \
    -e 's|^  provider = "postgresql"|  provider = "postgresql"\n  url      = "postgresql://localhost/unused"|'
}

(cd "$WORK" && npm init -y >/dev/null && npm i --no-audit --no-fund --silent prisma@6.19.0 @prisma/adapter-pg@6.19.0 >/dev/null)
# The driver-adapter ("js") engine is what selects the WASM schema engine; it opens a connection.
cat >"$WORK/prisma.config.ts" <<'TS'
import { defineConfig } from 'prisma/config';
import { PrismaPg } from '@prisma/adapter-pg';
export default defineConfig({
  experimental: { adapter: true },
  engine: 'js',
  schema: 'to.prisma',
  adapter: async () => new PrismaPg({ connectionString: process.env.ANET_DIFF_DATABASE_URL }),
});
TS
to_v6 <"$ROOT/prisma/schema.prisma" >"$WORK/to.prisma"
# Without these two it would still try to download the binary engines it does not use here.
touch "$WORK/no-engine.so.node"

prisma_diff() {
  (cd "$WORK" && PRISMA_QUERY_ENGINE_LIBRARY="$WORK/no-engine.so.node" PRISMA_SCHEMA_ENGINE_BINARY=/bin/false \
    ./node_modules/.bin/prisma migrate diff "$@" --to-schema-datamodel "$WORK/to.prisma" --script \
    2> >(grep -v '^Loaded Prisma config' >&2))
}

if [ "${1:-}" != --check ]; then
  if [ $# -gt 0 ]; then
    git -C "$ROOT" show "$1:prisma/schema.prisma" | to_v6 >"$WORK/from.prisma"
    prisma_diff --from-schema-datamodel "$WORK/from.prisma"
  else
    prisma_diff --from-empty
  fi
  exit 0
fi

# --check: database A from the committed migrations, database B from schema.prisma; compare catalogs.
admin=$ANET_DIFF_DATABASE_URL
suffix=$(date +%s)_$$
a="anet_drift_migrations_$suffix"
b="anet_drift_schema_$suffix"
psql_on() { psql -X -q -v ON_ERROR_STOP=1 "$@"; }
db_url() { node -e 'const u = new URL(process.argv[1]); u.pathname = "/" + process.argv[2]; console.log(u.toString())' "$admin" "$1"; }
trap 'psql_on "$admin" -c "DROP DATABASE IF EXISTS $a WITH (FORCE)" -c "DROP DATABASE IF EXISTS $b WITH (FORCE)"; rm -rf "$WORK"' EXIT
psql_on "$admin" -c "CREATE DATABASE $a" -c "CREATE DATABASE $b"
(cd "$ROOT" && DATABASE_URL=$(db_url "$a") npm run -s db:migrate >/dev/null)
prisma_diff --from-empty >"$WORK/schema.sql"
psql_on "$(db_url "$b")" -f "$WORK/schema.sql"

catalog() {
  psql_on "$1" -At <<'SQL'
SELECT 'column ' || table_name || '.' || column_name || ' ' || data_type
       || coalesce('(' || character_maximum_length || ')', '') || ' null=' || is_nullable
       || ' default=' || coalesce(column_default, '-')
  FROM information_schema.columns
 WHERE table_schema = 'public' AND table_name <> '_prisma_migrations'
UNION ALL
SELECT 'index ' || indexdef FROM pg_indexes
 WHERE schemaname = 'public' AND tablename <> '_prisma_migrations'
UNION ALL
SELECT 'constraint ' || conrelid::regclass::text || ' ' || conname || ' ' || pg_get_constraintdef(oid)
  FROM pg_constraint
 WHERE connamespace = 'public'::regnamespace AND conrelid <> 0
   AND conrelid::regclass::text <> '_prisma_migrations'
UNION ALL
SELECT 'enum ' || t.typname || ' ' || string_agg(e.enumlabel, ',' ORDER BY e.enumsortorder)
  FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid GROUP BY t.typname
ORDER BY 1;
SQL
}
catalog "$(db_url "$a")" >"$WORK/a.txt"
catalog "$(db_url "$b")" >"$WORK/b.txt"
if diff -u --label prisma/migrations "$WORK/a.txt" --label prisma/schema.prisma "$WORK/b.txt"; then
  echo "prisma/migrations and prisma/schema.prisma agree ($(wc -l <"$WORK/a.txt") catalog entries)"
else
  echo "drift: write a migration with 'bash prisma/diff.sh HEAD' (or from the last migrated schema)" >&2
  exit 1
fi
