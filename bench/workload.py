"""The prompts every side runs: report-analysis requests, deterministic by index."""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from schemas.kinds import builtin_kinds

# Free text, not report_analysis: its output is not schema-constrained, so sealq decodes
# exactly as raw vLLM and run_batch do; its system prompt still frames a report analysis.
KIND = "free_text"

_COMPANIES = ["Northgate", "Harbour", "Alder", "Brightwater", "Cobalt", "Dunmore", "Elmstead",
              "Fairhaven", "Granite", "Highfield", "Ironbridge", "Juniper", "Kingsway", "Larch"]
_SECTORS = [("Retail Bank", "net interest income"), ("Mutual Insurance", "gross premiums"),
            ("Logistics", "freight revenue"), ("Foods", "net sales"), ("Energy", "revenue"),
            ("Regional Hospital", "patient revenue"), ("Telecom", "service revenue"),
            ("Software", "subscription revenue"), ("Airlines", "passenger revenue")]
_RISKS = ["margin pressure as deposit rates reprice", "storm losses above the budget",
          "a delayed warehouse opening", "higher input costs for grain and packaging",
          "a pending regulatory review", "staff shortages in intensive care",
          "customer churn after a price rise", "a large contract up for renewal",
          "fuel hedges that expire in the spring"]


@dataclass(frozen=True)
class Workload:
    """`jobs` prompts starting at prompt index `first`, each asking for `tokens` tokens."""

    name: str
    jobs: int
    tokens: int
    first: int

    @property
    def indices(self) -> range:
        """The prompt indices this workload runs."""
        return range(self.first, self.first + self.jobs)


def report(index: int) -> str:
    """Prompt number `index`: a short quarterly report to analyse, the same on every run."""
    rng = random.Random(index)
    company = rng.choice(_COMPANIES)
    sector, income = rng.choice(_SECTORS)
    quarter, year = rng.randint(1, 4), rng.randint(2024, 2027)
    growth, costs = rng.uniform(-8, 15), rng.uniform(50, 900)
    ratio, risk = rng.uniform(40, 95), rng.choice(_RISKS)
    return (f"Analyse this report:\n\nQ{quarter} {year} report #{index}, {company} {sector}. "
            f"The {income} changed by {growth:.1f}% to EUR {costs * 1.6:.0f} million. "
            f"Operating costs were EUR {costs:.0f} million. The cost-to-income ratio stood at "
            f"{ratio:.1f}%. Headcount was {rng.randint(200, 20000)} at the end of the quarter. "
            f"Management names {risk} as the main risk for the next two quarters.")


def system_prompt() -> str:
    """The system prompt sealq's worker puts first for this kind; raw and run_batch send it too."""
    return builtin_kinds()[KIND].system_prompt


def conversation(index: int) -> list[dict[str, str]]:
    """The chat the engine sees for prompt `index`, as sealq's worker builds it."""
    return [{"role": "system", "content": system_prompt()},
            {"role": "user", "content": report(index)}]


def request_body(index: int, tokens: int) -> dict[str, Any]:
    """The request a producer submits to sealq (the worker adds the system prompt)."""
    return {"messages": [{"role": "user", "content": report(index)}], "max_tokens": tokens,
            "temperature": 0, "ignore_eos": True}


def custom_id(workload: Workload, index: int) -> str:
    """A custom id unique across a plan's workloads."""
    return f"{workload.name}-{index}"
