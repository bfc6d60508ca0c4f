"""Output policy and input guard: what a job may ask, and what its result may carry."""

from workers.policy.engine import PolicyEngine
from workers.policy.verdict import Decision, OutputDecision, Verdict

__all__ = ["Decision", "OutputDecision", "PolicyEngine", "Verdict"]
