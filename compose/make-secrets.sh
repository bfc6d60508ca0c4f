#!/usr/bin/env bash
# Create compose/secrets/: random passwords, the Redis ACL file (hashes only), PostgreSQL
# password files, and one env file per sealq role. Existing files are kept, so it is safe to
# re-run; delete a file to rotate it. Needs openssl and sha256sum. Never commit secrets/.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
umask 077
mkdir -p secrets

password() {  # hex only: safe inside URLs
  [[ -s "secrets/$1.password" ]] || openssl rand -hex 32 > "secrets/$1.password"
  cat "secrets/$1.password"
}
sha() { printf '%s' "$(password "$1")" | sha256sum | cut -d' ' -f1; }

for role in producer api worker beat flower exporter postgres keystore; do password "$role" >/dev/null; done
cp secrets/postgres.password secrets/postgres_password
cp secrets/keystore.password secrets/keystore_password

sed -e "s/\${PRODUCER_SHA256}/$(sha producer)/" -e "s/\${API_SHA256}/$(sha api)/" -e "s/\${WORKER_SHA256}/$(sha worker)/" \
    -e "s/\${BEAT_SHA256}/$(sha beat)/" -e "s/\${FLOWER_SHA256}/$(sha flower)/" \
    -e "s/\${EXPORTER_SHA256}/$(sha exporter)/" -e '/^#/d' -e '/^$/d' \
    redis/users.acl.template > secrets/redis-users.acl  # Redis ACL files take no comments

db="postgresql://sealq:$(password postgres)@postgres:5432/sealq"
keystore="postgresql://sealq_keys:$(password keystore)@keystore-db:5432/sealq_keys"
broker() { echo "redis://$1:$(password "$1")@redis:6379/0"; }

printf 'SEALQ_DATABASE_URL=%s\nSEALQ_KEY_STORE_URL=%s\n' "$db" "$keystore" > secrets/migrate.env
printf 'SEALQ_BROKER_URL=%s\n' "$(broker producer)" >> secrets/migrate.env
printf 'SEALQ_DATABASE_URL=%s\nSEALQ_KEY_STORE_URL=%s\nSEALQ_BROKER_URL=%s\n' \
  "$db" "$keystore" "$(broker worker)" > secrets/worker.env
printf 'SEALQ_DATABASE_URL=%s\nSEALQ_KEY_STORE_URL=%s\nSEALQ_BROKER_URL=%s\n' \
  "$db" "$keystore" "$(broker beat)" > secrets/beat.env
printf 'SEALQ_DATABASE_URL=%s\nSEALQ_KEY_STORE_URL=%s\nSEALQ_BROKER_URL=%s\n' \
  "$db" "$keystore" "$(broker producer)" > secrets/producer.env
printf 'SEALQ_DATABASE_URL=%s\nSEALQ_KEY_STORE_URL=%s\nSEALQ_BROKER_URL=%s\n' \
  "$db" "$keystore" "$(broker api)" > secrets/api.env
[[ -s secrets/flower-basic-auth ]] || echo "ops:$(openssl rand -hex 16)" > secrets/flower-basic-auth
printf 'SEALQ_BROKER_URL=%s\nSEALQ_FLOWER_BASIC_AUTH=%s\n' \
  "$(broker flower)" "$(cat secrets/flower-basic-auth)" > secrets/flower.env
printf 'SEALQ_DATABASE_URL=%s\nSEALQ_BROKER_URL=%s\n' "$db" "$(broker exporter)" \
  > secrets/exporter.env

[[ -s secrets/sealq-keys.json ]] || sealq keys init secrets/sealq-keys.json
# The containers run as uid 10001 (sealq) and 999 (redis, postgres); secrets are bind mounts.
echo "secrets written to $(pwd)/secrets; chown them to the container users (see README)"
