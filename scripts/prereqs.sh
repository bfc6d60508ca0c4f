#!/usr/bin/env bash
# Everything outside Python that the test suite uses, checked before any test runs:
#   the programs (Chromium, docker-compose, redis-server, PostgreSQL 15, ...), installed with
#   apt-get when this runs as root on Debian, else listed with the command that installs them;
#   Redis on 127.0.0.1:6379 and PostgreSQL on 127.0.0.1:5432 (trust authentication for the
#   postgres user), started when they are down and this runs as root.
# Used by scripts/test.sh and .ci/run.  --check changes nothing: it reports and exits 2 if
# anything is missing.  Uses bash builtins only, besides the programs it checks for.
set -euo pipefail

PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
MODE=install
case "${1:-}" in
  --check) MODE=check ;;
  "") ;;
  *) echo "usage: prereqs.sh [--check]" >&2; exit 64 ;;
esac

# program (a name on PATH, or a path) and the Debian package that provides it; each line says
# which tests use it.
REQUIRED=(
  "chromium chromium"                          # Flower dashboard screenshots (integration)
  "docker-compose docker-compose"              # compose file validation (unit)
  "promtool prometheus"                        # alert rule unit tests, Prometheus config (unit)
  "redis-server redis-server"                  # private Redis servers (unit, integration, reliability)
  "redis-cli redis-tools"                      # Redis health check below
  "psql postgresql-client-15"                  # PostgreSQL health check below
  "pg_isready postgresql-client-15"
  "pg_dump postgresql-client-15"               # backup-then-sweep test (integration)
  "pg_restore postgresql-client-15"
  "createdb postgresql-client-15"
  "dropdb postgresql-client-15"
  "pg_ctlcluster postgresql-common"            # starts the machine's PostgreSQL below
  "$PG_BIN/initdb postgresql-15"               # private PostgreSQL clusters (reliability)
  "$PG_BIN/pg_ctl postgresql-15"
  "runuser util-linux"                         # runs those clusters as the postgres user
  "flock util-linux"                           # scripts/setup.sh: one setup at a time
  "git git"                                    # .gitignore check (unit)
)

say() { printf 'prereqs: %s\n' "$*" >&2; }

have() {
  if [[ $1 == /* ]]; then [[ -x $1 ]]; else command -v "$1" >/dev/null 2>&1; fi
}

missing_packages() {
  local entry program package seen=" " out=()
  for entry in "${REQUIRED[@]}"; do
    program=${entry% *}
    package=${entry##* }
    if ! have "$program" && [[ $seen != *" $package "* ]]; then
      seen+="$package "
      out+=("$package")
    fi
  done
  if [[ ${#out[@]} -gt 0 ]]; then printf '%s\n' "${out[@]}"; fi
}

missing_programs() {
  local entry program out=()
  for entry in "${REQUIRED[@]}"; do
    program=${entry% *}
    have "$program" || out+=("${program##*/}")
  done
  printf '%s' "${out[*]}"
}

can_install() {
  [[ $EUID -eq 0 ]] && have apt-get
}

install_programs() {
  local packages=()
  mapfile -t packages < <(missing_packages)
  [[ ${#packages[@]} -gt 0 ]] || return 0
  if [[ $MODE == install ]] && can_install; then
    say "installing ${packages[*]} (apt-get)"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      "${packages[@]}" >/dev/null
    mapfile -t packages < <(missing_packages)
    [[ ${#packages[@]} -eq 0 ]] && return 0
    say "still missing after apt-get: $(missing_programs)"
    exit 2
  fi
  say "the tests need programs that are not installed: $(missing_programs)"
  say "install them (as root): apt-get install -y --no-install-recommends ${packages[*]}"
  exit 2
}

redis_up() { redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; }
postgres_up() { pg_isready -h 127.0.0.1 -p 5432 >/dev/null 2>&1; }

start_services() {
  if ! redis_up; then
    say "starting Redis on 127.0.0.1:6379"
    mkdir -p /var/lib/redis /var/log/redis
    redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" \
      --appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log
  fi
  if ! postgres_up; then
    local cluster
    for cluster in /etc/postgresql/*/main; do
      [[ -d $cluster ]] || continue
      cluster=${cluster%/main}
      say "starting PostgreSQL ${cluster##*/} on 127.0.0.1:5432"
      pg_ctlcluster --skip-systemctl-redirect "${cluster##*/}" main start
    done
  fi
  local tries
  for ((tries = 0; tries < 30; tries++)); do
    redis_up && postgres_up && return 0
    sleep 1
  done
}

check_services() {
  local down=()
  redis_up || down+=("Redis on 127.0.0.1:6379")
  postgres_up || down+=("PostgreSQL on 127.0.0.1:5432")
  if [[ ${#down[@]} -gt 0 ]]; then
    say "not answering: ${down[*]}; the integration tests need both (as root, this script"
    say "starts them: bash scripts/prereqs.sh)"
    exit 2
  fi
  if ! psql -h 127.0.0.1 -p 5432 -U postgres -d postgres -Atqc 'SELECT 1' >/dev/null 2>&1; then
    say "PostgreSQL on 127.0.0.1:5432 refuses the postgres user without a password: the"
    say "tests need trust authentication there (pg_hba.conf: host all postgres 127.0.0.1/32 trust)"
    exit 2
  fi
}

install_programs
if [[ $MODE == install && $EUID -eq 0 ]]; then
  start_services
fi
check_services
say "ready: every program the tests use is installed; Redis and PostgreSQL answer"
