"""Contracts shared by producers and workers: job spec, tables, envelope, keys, settings."""
