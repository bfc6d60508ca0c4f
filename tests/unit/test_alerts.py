"""compose's alert rules and Prometheus configuration, checked by promtool.

`promtool test rules` runs compose/alerts.test.yml: synthetic series on which each alert must
fire, and others on which it must stay quiet. promtool ships in Debian's `prometheus` package;
a machine without it fails these tests (never skips them).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

COMPOSE = Path(__file__).resolve().parents[2] / "compose"


def promtool(*args: str) -> subprocess.CompletedProcess[str]:
    """Run promtool in compose/ (rule files are named relative to it)."""
    binary = shutil.which("promtool")
    if binary is None:
        pytest.fail("promtool is missing: apt-get install -y prometheus", pytrace=False)
    return subprocess.run([binary, *args], cwd=COMPOSE, capture_output=True, text=True,
                          timeout=120, check=False)


def test_every_alert_fires_and_stays_quiet_where_it_should() -> None:
    """promtool's unit tests of compose/alerts.yml pass."""
    done = promtool("test", "rules", "alerts.test.yml")
    assert done.returncode == 0, done.stdout + done.stderr


def test_every_alert_has_a_firing_and_a_quiet_case() -> None:
    """Each alert of alerts.yml is tested both ways, so none can be silently unfireable."""
    rules = yaml.safe_load((COMPOSE / "alerts.yml").read_text())
    alerts = {rule["alert"] for group in rules["groups"] for rule in group["rules"]
              if "alert" in rule}
    cases = yaml.safe_load((COMPOSE / "alerts.test.yml").read_text())
    fires: set[str] = set()
    quiet: set[str] = set()
    for test in cases["tests"]:
        for case in test.get("alert_rule_test", []):
            (fires if case["exp_alerts"] else quiet).add(case["alertname"])
    assert fires == alerts, alerts ^ fires
    assert quiet == alerts, alerts ^ quiet


def test_prometheus_configuration_is_valid_and_loads_the_rules() -> None:
    """compose/prometheus.yml passes promtool and names alerts.yml and both sealq jobs."""
    done = promtool("check", "config", "prometheus.yml")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "16 rules found" in done.stdout
    config = yaml.safe_load((COMPOSE / "prometheus.yml").read_text())
    assert config["rule_files"] == ["alerts.yml"]
    assert {job["job_name"] for job in config["scrape_configs"]} == {"sealq-exporter",
                                                                     "sealq-workers"}


EXPORTED = {
    "sealq_exporter_up", "sealq_exporter_snapshot_age_seconds", "sealq_queue_depth",
    "sealq_broker_unacked_messages", "sealq_jobs", "sealq_oldest_queued_job_age_seconds",
    "sealq_jobs_erased_total", "sealq_policy_decisions_recent", "sealq_engine_up",
    "sealq_engine_running_requests", "sealq_engine_waiting_requests",
    "sealq_engine_kv_cache_usage_ratio", "sealq_engine_generation_tokens_total",
    "sealq_worker_jobs_finished_total", "sealq_jobs_ended_total",
    "sealq_api_auth_failures_recent", "sealq_api_requests_recent",
    "sealq_jobs_waiting", "sealq_oldest_waiting_seconds", "sealq_jobs_released",
    "sealq_oldest_released_seconds", "sealq_workers", "sealq_worker_slots",
    "sealq_dispatcher_last_pass_timestamp_seconds",
    "sealq_dispatcher_last_release_timestamp_seconds",
    "sealq_dispatcher_lease_expires_timestamp_seconds", "sealq_dispatcher_released_total",
    "sealq_dispatcher_window", "sealq_dispatcher_in_flight",
}


def test_alert_rules_use_only_metrics_sealq_exports() -> None:
    """Every alert in compose/alerts.yml names metrics the exporter or the workers serve."""
    rules = yaml.safe_load((COMPOSE / "alerts.yml").read_text())
    for group in rules["groups"]:
        for rule in group["rules"]:
            used = set(re.findall(r"\bsealq_[a-z_]+", rule["expr"]))
            # `up` is Prometheus's own series for the scrape targets.
            assert (used or "up{" in rule["expr"]) and used <= EXPORTED, (
                rule.get("alert") or rule["record"], used)
