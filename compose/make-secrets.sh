#!/usr/bin/env bash
# Create or complete compose/secrets/ and compose/settings.env. Needs bash, openssl and
# sha256sum only (no sealq on the host). Run it with sudo: it then gives each file the owner
# its container runs as; without root it prints the chown commands instead.
#
# Safe to re-run. Kept as they are: passwords (*.password), the key file and the Flower login,
# and settings.env (yours to edit). Written again from those every time: the Redis ACL, the
# database roles file and the env files, so deleting a password file and re-running rotates
# that password (README, Operating). Never commit secrets/.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
umask 077
mkdir -p secrets/keys

# The users the containers run as: sealq's image, the redis and postgres alpine images.
IMAGE_UID=10001 REDIS_UID=999 POSTGRES_UID=70
REDIS_ROLES=(producer api worker beat flower exporter ops)
DB_ROLES=(producer api worker beat exporter)

password() {  # hex only: safe inside URLs
  local file="secrets/$1.password"
  [[ -s "$file" ]] || openssl rand -hex 32 > "$file"
  cat "$file"
}
sha() { printf '%s' "$(password "$1")" | sha256sum | cut -d' ' -f1; }
# Written in place (same inode), so a running container's mount of the file sees the change.
write() { cat > "$1"; }

# --- settings (not secrets) --------------------------------------------------------------
[[ -e settings.env ]] || ( umask 022; cp settings.env.example settings.env )

# --- Redis: the ACL holds each role's password as its SHA-256, and no comments ------------
rules=()
for role in "${REDIS_ROLES[@]}"; do rules+=(-e "s/\${${role^^}_SHA256}/$(sha "$role")/"); done
sed "${rules[@]}" -e '/^#/d' -e '/^$/d' redis/users.acl.template | write secrets/redis-users.acl
if grep -q '\${' secrets/redis-users.acl; then
  echo "make-secrets.sh: the ACL template has a role without a password" >&2; exit 1
fi
broker() { echo "redis://$1:$(password "$1")@redis:6379/0"; }

# --- PostgreSQL: the tables' owners (migrate only) and one user per role ------------------
owner_db="postgresql://sealq:$(password postgres)@postgres:5432/sealq"
owner_keys="postgresql://sealq_keys:$(password keystore)@keystore-db:5432/sealq_keys"
{
  echo "# role=password: the database users \`sealq db upgrade\` creates (sealq_<role>)."
  for role in "${DB_ROLES[@]}"; do echo "$role=$(password "pg-$role")"; done
} | write secrets/db-roles
db() { echo "postgresql://sealq_$1:$(password "pg-$1")@postgres:5432/sealq"; }
keys() { echo "postgresql://sealq_$1:$(password "pg-$1")@keystore-db:5432/sealq_keys"; }

# --- one env file per role: URLs with that role's own users -------------------------------
header="# Written by make-secrets.sh from secrets/*.password: do not edit (settings.env is yours)."
env_file() {  # env_file NAME VAR=VALUE...
  local name=$1; shift
  { echo "$header"; printf '%s\n' "$@"; } | write "secrets/$name.env"
}
env_file migrate "SEALQ_DATABASE_URL=$owner_db" "SEALQ_KEY_STORE_URL=$owner_keys" \
  "SEALQ_BROKER_URL=$(broker producer)" "SEALQ_DB_ROLES_FILE=/run/secrets/db_roles"
for role in worker beat producer api; do
  env_file "$role" "SEALQ_DATABASE_URL=$(db "$role")" "SEALQ_KEY_STORE_URL=$(keys "$role")" \
    "SEALQ_BROKER_URL=$(broker "$role")"
done
[[ -s secrets/flower-basic-auth ]] || echo "ops:$(openssl rand -hex 16)" > secrets/flower-basic-auth
env_file flower "SEALQ_BROKER_URL=$(broker flower)" \
  "SEALQ_FLOWER_BASIC_AUTH=$(cat secrets/flower-basic-auth)"
env_file exporter "SEALQ_DATABASE_URL=$(db exporter)" "SEALQ_BROKER_URL=$(broker exporter)"

# --- the master key file (sealq's format: schemas/keyfile.py), once -----------------------
if [[ ! -s secrets/keys/sealq-keys.json ]]; then
  key_id="mk-$(date -u +%Y%m%d)-$(openssl rand -hex 4)"
  printf '{\n  "format": "sealq-keys",\n  "version": 1,\n  "primary": "%s",\n  "keys": [\n    {"id": "%s", "created_at": "%s", "key": "%s"}\n  ]\n}\n' \
    "$key_id" "$key_id" "$(date -u +%Y-%m-%dT%H:%M:%S+00:00)" "$(openssl rand -base64 32)" \
    > secrets/keys/sealq-keys.json
fi
chmod 600 secrets/keys/sealq-keys.json secrets/*.env secrets/db-roles secrets/redis-users.acl

# --- owners: each file readable by the container that mounts it, by nobody else -----------
owners=(
  "$IMAGE_UID:$IMAGE_UID secrets/keys secrets/keys/sealq-keys.json secrets/db-roles"
  "$IMAGE_UID:$IMAGE_UID secrets/migrate.env secrets/worker.env secrets/beat.env"
  "$IMAGE_UID:$IMAGE_UID secrets/producer.env secrets/api.env secrets/flower.env secrets/exporter.env"
  "$REDIS_UID:$REDIS_UID secrets/redis-users.acl"
  "$POSTGRES_UID:$POSTGRES_UID secrets/postgres.password secrets/keystore.password"
)
if [[ $EUID -eq 0 ]]; then
  for entry in "${owners[@]}"; do read -r owner files <<< "$entry"; chown $owner $files; done
  echo "secrets written to $(pwd)/secrets, owned by the containers' users"
else
  echo "secrets written to $(pwd)/secrets; give them the containers' users (or re-run with sudo):"
  for entry in "${owners[@]}"; do read -r owner files <<< "$entry"; echo "  sudo chown $owner $files"; done
fi
