"""Data lifecycle: the sweeper (expiry, erasure, key destruction), the reconciler, beat."""
