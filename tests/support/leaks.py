"""Canary needles in the shapes a leak could take beyond those support.scan already tries."""

from __future__ import annotations

import base64
from collections.abc import Iterable


def base64_forms(needle: str) -> list[str]:
    """Substrings any standard base64 text holding `needle` contains, one per byte alignment.

    Base64 encodes 3 bytes as 4 characters, so the same bytes read differently depending on
    where they start; a character is kept only where it depends on the needle's bytes alone.
    """
    data = needle.encode()
    forms = []
    for shift in range(3):
        encoded = base64.b64encode(b"\0" * shift + data + b"\0\0").decode()
        start = -(-8 * shift // 6)  # first character made only of needle bits
        end = 8 * (shift + len(data)) // 6  # past the last such character
        forms.append(encoded[start:end])
    return forms


def needles(canaries: Iterable[str]) -> list[str]:
    """Every canary as itself and in its base64 forms."""
    found: list[str] = []
    for canary in canaries:
        found += [canary, *base64_forms(canary)]
    return found
