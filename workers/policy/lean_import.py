"""Import presidio without torch and transformers, for processes that don't need them."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def without_torch() -> Iterator[None]:
    """Inside this block `import torch` and `import transformers` fail fast, unless something
    already imported them; presidio then imports in about 3 s instead of 15-30 s."""
    # spaCy (via thinc) and presidio's optional Hugging Face engine import both when they are
    # installed (the `cpu` extra installs them); pattern recognizers never use either.
    blocked = [name for name in ("torch", "transformers") if name not in sys.modules]
    for name in blocked:
        sys.modules[name] = None  # type: ignore[assignment]  # None makes `import` fail fast
    try:
        yield
    finally:
        for name in blocked:
            del sys.modules[name]
