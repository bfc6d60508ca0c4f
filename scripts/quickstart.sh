#!/usr/bin/env bash
# One command on a fresh machine: set everything up, run the sample batch of report-analysis
# jobs on the embedded default (SQLite, private Redis, generated keys, CPU model), and print
# the decrypted results.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bash "$ROOT/scripts/setup.sh"
cd "$ROOT"
exec .venv/bin/sealq demo examples/report-analysis.jsonl --kind report_analysis
