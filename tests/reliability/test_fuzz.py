"""Hostile input, fuzzed: envelopes and JSONL lines fail only with their documented error.

Each test runs a hypothesis property inside a plain test, counts the cases it really tried and
asserts the count, so the figures quoted in the README are measured, not configured. Run with
`-s` to see them.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from producer.spec import parse_line
from schemas import envelope
from schemas.envelope import MAGIC_KEY, MAGIC_PAYLOAD, JobBinding
from schemas.errors import EnvelopeError, SpecError
from schemas.jobs import BatchLine

pytestmark = pytest.mark.integration

KEY = bytes(range(32))
KEK = bytes(range(32, 64))
BINDING = JobBinding(job_id="0123456789abcdef0123456789abcdef", tenant="acme",
                     kind="free_text", expires_at=1_900_000_000,
                     batch_id="fedcba9876543210fedcba9876543210", custom_id="report-1",
                     position=0)
SEALED = envelope.seal(KEY, b'{"messages": []}', BINDING, "prompt")
WRAPPED = envelope.wrap_key("bk-1899997200-3600", KEK, KEY, BINDING)
PARTS = ("prompt", "result", "key", "outcome")


def fuzz(cases: int, *strategies: st.SearchStrategy[Any]) -> Callable[..., Any]:
    """A hypothesis runner for `cases` examples, no deadline (the machine is shared)."""
    config = settings(max_examples=cases, deadline=None, database=None,
                      suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

    def wrap(check: Callable[..., None]) -> Callable[..., Any]:
        return config(given(*strategies)(check))  # type: ignore[no-any-return]

    return wrap


def report(name: str, tried: int, wanted: int) -> None:
    """Print and check how many cases a property really ran."""
    print(f"\nfuzz {name}: {tried} cases")
    assert tried >= wanted, f"{name}: only {tried} of {wanted} cases ran"


# --- envelopes ------------------------------------------------------------------------------


def mutated(original: bytes) -> st.SearchStrategy[bytes]:
    """A valid envelope with bits flipped, bytes cut, added, spliced or its header rewritten."""
    index = st.integers(0, len(original) - 1)
    flips = st.tuples(index, st.integers(1, 255)).map(
        lambda f: original[: f[0]] + bytes([original[f[0]] ^ f[1]]) + original[f[0] + 1 :])
    cuts = index.map(lambda i: original[:i])
    extended = st.binary(min_size=1, max_size=64).map(lambda extra: original + extra)
    spliced = st.tuples(index, st.binary(max_size=32)).map(
        lambda s: original[: s[0]] + s[1] + original[s[0] :])
    headers = st.tuples(st.integers(0, 255), st.integers(0, 255)).map(
        lambda h: original[:3] + bytes(h) + original[5:])
    return st.one_of(flips, cuts, extended, spliced, headers).filter(lambda b: b != original)


def near_envelopes(magic: bytes) -> st.SearchStrategy[bytes]:
    """Bytes that pass the first checks: the right magic, then anything."""
    return st.builds(lambda version, rest: magic + bytes([version]) + rest,
                     st.integers(0, 255), st.binary(max_size=120))


def test_opening_arbitrary_or_mutated_payloads_raises_only_envelope_error() -> None:
    """open_sealed on random bytes or a damaged envelope raises EnvelopeError and nothing else."""
    tried = 0

    @fuzz(3000, st.one_of(st.binary(max_size=200), near_envelopes(MAGIC_PAYLOAD),
                          mutated(SEALED)), st.sampled_from(PARTS))
    def check(data: bytes, part: Any) -> None:
        nonlocal tried
        tried += 1
        with pytest.raises(EnvelopeError):
            envelope.open_sealed(KEY, data, BINDING, part)

    check()
    report("open_sealed(payload bytes)", tried, 3000)


def test_wrong_keys_and_bindings_never_open_a_payload() -> None:
    """A valid envelope opened with any other key, or under any other binding, does not open."""
    tried = 0
    bindings = st.builds(JobBinding, job_id=st.text(max_size=40), tenant=st.text(max_size=64),
                         kind=st.text(max_size=20), expires_at=st.integers(-(2**40), 2**40),
                         batch_id=st.text(max_size=40), custom_id=st.text(max_size=128),
                         position=st.integers(-(2**31), 2**31))

    @fuzz(1500, st.binary(max_size=64), bindings)
    def check(key: bytes, binding: JobBinding) -> None:
        nonlocal tried
        tried += 1
        if key != KEY:
            with pytest.raises(EnvelopeError):
                envelope.open_sealed(key, SEALED, BINDING, "prompt")
        if binding != BINDING:
            with pytest.raises(EnvelopeError):
                envelope.open_sealed(KEY, SEALED, binding, "prompt")

    check()
    report("open_sealed(keys, bindings)", tried, 1500)


def test_wrapped_key_parsing_and_unwrapping_raise_only_envelope_error() -> None:
    """wrapped_key_id and unwrap_key on random or damaged wrapped keys: EnvelopeError only."""
    tried = 0

    @fuzz(3000, st.one_of(st.binary(max_size=200), near_envelopes(MAGIC_KEY),
                          mutated(WRAPPED)))
    def check(data: bytes) -> None:
        nonlocal tried
        tried += 1
        try:
            key_id = envelope.wrapped_key_id(data)
        except EnvelopeError:
            pass
        else:
            assert isinstance(key_id, str) and key_id
        with pytest.raises(EnvelopeError):
            envelope.unwrap_key(KEK, data, BINDING)

    check()
    report("wrapped_key_id/unwrap_key(bytes)", tried, 3000)


# --- JSONL lines ----------------------------------------------------------------------------

# Text with lone surrogates too: JSON's \\ud800 escapes decode to them.
ANY_TEXT = st.text(st.characters(exclude_categories=()), max_size=80)
JSON_SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), ANY_TEXT)
ANY_JSON = st.recursive(JSON_SCALARS, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(ANY_TEXT, inner, max_size=4)), max_leaves=12)
FIELD_NAMES = ["role", "content", "type", "text", "messages", "max_tokens", "temperature",
               "top_p", "seed", "stop", "n", "model", "ignore_eos", "custom_id", "body",
               "method", "url", "frequency_penalty", "presence_penalty"]


def almost(valid: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Mostly a valid value, sometimes any JSON at all."""
    return st.one_of(valid, valid, ANY_JSON)


def _parts() -> st.SearchStrategy[Any]:
    part = st.fixed_dictionaries({"type": almost(st.just("text")), "text": almost(ANY_TEXT)},
                                 optional={"extra": ANY_JSON})
    return st.lists(almost(part), max_size=3)


MESSAGE = st.fixed_dictionaries(
    {"role": almost(st.sampled_from(["system", "user", "assistant"])),
     "content": st.one_of(ANY_TEXT, _parts(), ANY_JSON)},
    optional={"name": ANY_JSON})
BODY = st.fixed_dictionaries(
    {"messages": almost(st.lists(MESSAGE, max_size=3))},
    optional={"max_tokens": st.one_of(st.integers(), ANY_JSON),
              "temperature": st.one_of(st.floats(), ANY_JSON),
              "top_p": st.one_of(st.floats(), ANY_JSON), "seed": ANY_JSON,
              "stop": st.one_of(ANY_TEXT, st.lists(ANY_TEXT, max_size=3), ANY_JSON),
              "n": ANY_JSON, "model": ANY_JSON, "ignore_eos": ANY_JSON,
              "frequency_penalty": ANY_JSON, "presence_penalty": ANY_JSON})
LINE = st.fixed_dictionaries(
    {"custom_id": almost(st.text(min_size=1, max_size=130)), "body": almost(BODY)},
    optional={"method": almost(st.just("POST")),
              "url": almost(st.just("/v1/chat/completions")),
              **{name: ANY_JSON for name in ("extra", "Body", "customId")}})


def _parse_or_spec_error(raw: str | bytes) -> None:
    try:
        line = parse_line(raw, 7)
    except SpecError as e:
        assert e.line == 7 and str(e).startswith("line 7: ")
        return
    assert isinstance(line, BatchLine)
    # Whatever is accepted can be sealed: it serialises back to UTF-8 JSON.
    line.body.model_dump_json().encode()


HUGE_INT = '{"custom_id": "a", "body": {"messages": [], "max_tokens": ' + "9" * 5000 + "}}"


def test_arbitrary_text_and_bytes_give_a_line_or_spec_error() -> None:
    """parse_line on any text or bytes returns a BatchLine or raises SpecError, nothing else."""
    tried = 0

    @fuzz(4000, st.one_of(ANY_TEXT, st.text(max_size=300), st.binary(max_size=300),
                          ANY_JSON.map(json.dumps),
                          ANY_JSON.map(lambda v: json.dumps(v).encode())))
    @example(HUGE_INT)
    @example("[" * 100_000)
    @example(b"\xef\xbb\xbf{}")
    def check(raw: str | bytes) -> None:
        nonlocal tried
        tried += 1
        _parse_or_spec_error(raw)

    check()
    report("parse_line(text, bytes, any JSON)", tried, 4000)


def test_structured_but_wrong_lines_give_a_line_or_spec_error() -> None:
    """Objects shaped like batch lines but wrong anywhere: a BatchLine or SpecError only."""
    tried = 0
    surrogate = {"custom_id": "a", "body": {"messages": [{"role": "user", "content": "\ud800"}]}}
    bad_part = {"custom_id": "a", "body": {"messages": [
        {"role": "user", "content": [{"type": "text", "text": 5}]}]}}

    @fuzz(4000, LINE, st.booleans())
    @example(surrogate, False)
    @example(bad_part, False)
    def check(document: dict[str, Any], as_bytes: bool) -> None:
        nonlocal tried
        tried += 1
        raw = json.dumps(document)
        _parse_or_spec_error(raw.encode() if as_bytes else raw)

    check()
    report("parse_line(structured lines)", tried, 4000)
