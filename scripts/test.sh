#!/usr/bin/env bash
# The whole test suite: unit, integration (real Redis, PostgreSQL, SQLite) and end-to-end
# (real vLLM engine on CPU with the real small model). Extra arguments go to pytest.
# First, scripts/prereqs.sh: the programs the tests use (Chromium, docker-compose,
# redis-server, PostgreSQL 15, ...) are installed (as root, with apt-get) or named, and Redis
# and PostgreSQL answer, before any test runs.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bash "$ROOT/scripts/prereqs.sh"
bash "$ROOT/scripts/setup.sh"
cd "$ROOT"
.venv/bin/ruff check schemas producer workers migrations tests bench
.venv/bin/mypy
exec .venv/bin/python -m pytest "$@"
