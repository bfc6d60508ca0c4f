"""Helpers shared by the test tiers: canary scans and process management."""
