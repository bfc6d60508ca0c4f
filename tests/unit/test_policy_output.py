"""The output policy: schema validation, redaction inside JSON, reject mode, tenant patterns."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from schemas.errors import PolicyRejection
from schemas.kinds import Kind, load_kinds
from workers.policy import OutputDecision, PolicyEngine

EMAIL = "li.wei@acme.com.cn"


@pytest.fixture(scope="module")
def engine() -> PolicyEngine:
    """One engine for the module: building presidio is slow."""
    return PolicyEngine()


def _report(**changes: Any) -> Kind:
    # Validated, not model_copy: tenant patterns must become TenantPattern objects. Figures
    # may be JSON numbers here (as a tenant kind may allow), so numbers meet the PII checks.
    base = load_kinds().get("report_analysis").model_dump()
    figure = base["output_schema"]["properties"]["key_figures"]["items"]["properties"]
    figure["value"] = {"type": ["number", "string"], "maxLength": 40}
    return Kind.model_validate({**base, **changes})


def _analysis(summary: str = "Revenue grew.", value: object = 12345678) -> str:
    return json.dumps({
        "summary": summary,
        "key_figures": [{"name": "revenue", "value": value, "unit": "CNY", "period": "FY2023"}],
        "risks": [{"description": "FX exposure", "severity": "medium"}],
        "confidence": 0.8,
    }, ensure_ascii=False)


def test_valid_analysis_is_accepted_unchanged(engine: PolicyEngine) -> None:
    """A valid, PII-free analysis is delivered byte for byte, with no codes."""
    text = _analysis()
    assert engine.check_output(_report(), text) == OutputDecision(text, {})


@pytest.mark.parametrize("text", ["", "Sure! Here is the analysis:", "{\"summary\": ",
                                  "[1, 2]", "{\"summary\": NaN}", "```json\n{}\n```"])
def test_output_that_is_not_json_is_a_schema_violation(engine: PolicyEngine, text: str) -> None:
    """Anything but one strict JSON document is rejected with schema_violation."""
    with pytest.raises(PolicyRejection) as caught:
        engine.check_output(_report(), text)
    assert caught.value.code == "schema_violation" and caught.value.state == "rejected"


def test_schema_mismatch_is_rejected_without_the_offending_value(engine: PolicyEngine) -> None:
    """A wrong severity is a schema_violation whose message names the schema path, not data."""
    document = json.loads(_analysis())
    document["risks"][0]["severity"] = "catastrophic-secret"
    verdict = engine.assess_output(_report(), json.dumps(document))
    assert verdict.rejection == "schema_violation"
    assert verdict.codes == {"output.schema_mismatch": 1}
    assert "catastrophic" not in verdict.detail and "enum" in verdict.detail


def test_pii_is_redacted_inside_string_values_and_json_stays_valid(engine: PolicyEngine) -> None:
    """An email in a summary becomes <EMAIL_ADDRESS>; the result parses and validates."""
    decision = engine.check_output(_report(), _analysis(summary=f"Ask {EMAIL} (13800138000)."))
    assert decision.codes == {"pii.email": 1, "pii.cn_mobile": 1}
    document = json.loads(decision.text)
    assert document["summary"] == "Ask <EMAIL_ADDRESS> (<CN_MOBILE>)."
    assert EMAIL not in decision.text


def test_quotes_and_backslashes_around_pii_keep_the_json_valid(engine: PolicyEngine) -> None:
    """Redaction works on decoded strings, so escapes around the value can't break the JSON."""
    summary = f'He said "mail {EMAIL}\\n" \\ done 「引号」'
    decision = engine.check_output(_report(), _analysis(summary=summary))
    expected = 'He said "mail <EMAIL_ADDRESS>\\n" \\ done 「引号」'
    assert json.loads(decision.text)["summary"] == expected


def test_card_number_in_a_json_number_is_redacted(engine: PolicyEngine) -> None:
    """A Luhn-valid card written as a JSON integer is replaced by a placeholder string."""
    decision = engine.check_output(_report(), _analysis(value=4111111111111111))
    assert decision.codes == {"pii.card": 1}
    assert json.loads(decision.text)["key_figures"][0]["value"] == "<CREDIT_CARD>"


def test_large_amounts_in_json_numbers_are_left_alone(engine: PolicyEngine) -> None:
    """Big amounts that fail the card and ID checks stay numbers."""
    text = _analysis(value=13800138000000)
    assert engine.check_output(_report(), text).text == text


def test_reject_kind_rejects_pii_with_codes_only(engine: PolicyEngine) -> None:
    """A kind with pii=reject rejects with pii_detected; the message has codes, not the value."""
    with pytest.raises(PolicyRejection) as caught:
        engine.check_output(_report(pii="reject"), _analysis(summary=f"Mail {EMAIL}"))
    assert caught.value.code == "pii_detected"
    assert str(caught.value) == "pii_detected: pii.email=1"


def test_free_text_output_is_redacted_in_place(engine: PolicyEngine) -> None:
    """A free-text kind has no schema: any text passes, PII is replaced where it stands."""
    kind = load_kinds().get("free_text")
    decision = engine.check_output(kind, "IBAN DE89 3704 0044 0532 0130 00, 不是JSON")
    assert decision.text == "IBAN <IBAN_CODE>, 不是JSON" and decision.codes == {"pii.iban": 1}


def test_tenant_patterns_count_as_pii(engine: PolicyEngine) -> None:
    """A kind's tenant pattern is redacted under pii.tenant.<name>, as written (case-sensitive)."""
    kind = _report(pii_patterns=[{"name": "EMPLOYEE_ID", "regex": r"EMP-[0-9]{6}"}])
    decision = engine.check_output(kind, _analysis(summary="Owner EMP-123456, not emp-123456."))
    assert decision.codes == {"pii.tenant.employee_id": 1}
    assert json.loads(decision.text)["summary"] == "Owner <EMPLOYEE_ID>, not emp-123456."


def test_redaction_that_breaks_the_schema_is_rejected(engine: PolicyEngine) -> None:
    """If a placeholder no longer fits the schema (maxLength), the result is not delivered."""
    schema = {"type": "object", "properties": {"contact": {"type": "string", "maxLength": 12}}}
    kind = _report(output_schema=schema)
    verdict = engine.assess_output(kind, json.dumps({"contact": "a@b.cn"}))
    assert verdict.rejection == "pii_detected" and verdict.codes == {"pii.email": 1}


def test_output_decision_repr_hides_the_text() -> None:
    """OutputDecision's repr shows a length and the codes, never the text."""
    shown = repr(OutputDecision("secret result", {"pii.email": 1}))
    assert "secret" not in shown and "13 chars" in shown


def test_engine_is_safe_to_share_between_threads(engine: PolicyEngine) -> None:
    """Concurrent checks from many threads give the same answers as one thread."""
    kind = load_kinds().get("free_text")
    texts = [f"Mail user{i}@example.com or call 1380013{i:04d}" for i in range(64)]
    expected = [engine.check_output(kind, t) for t in texts]
    with ThreadPoolExecutor(max_workers=16) as pool:
        assert list(pool.map(lambda t: engine.check_output(kind, t), texts)) == expected


def test_prepare_compiles_every_kind_at_start(engine: PolicyEngine) -> None:
    """prepare() accepts the built-in kinds and a tenant kind, compiling patterns up front."""
    kinds = [*(load_kinds().get(n) for n in load_kinds().names),
             _report(name="tenant_kind", pii_patterns=[{"name": "CASE_NO", "regex": r"C-\d{5}"}])]
    engine.prepare(kinds)
