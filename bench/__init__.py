"""Benchmarks: sealq side by side with raw vLLM and vLLM's own batch runner (`python -m bench`)."""
