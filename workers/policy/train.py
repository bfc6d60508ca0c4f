"""Train the guard's classifier on the corpora's tuning parts: `python -m workers.policy.train`.

Deterministic (fixed fold seed, lbfgs, sorted features), so re-running it reproduces the
shipped `guard_model.json`; `--check` says whether it does. Each language's threshold is
chosen from out-of-fold scores on the tuning parts only: the guard (rules and classifier
together) may flag at most TARGET_FALSE_POSITIVE_RATE of that language's clean prompts, and
the threshold sits halfway between the last clean score it lets through and the first it flags.
Texts longer than a window, judged by their best window, get their own threshold the same way
from the clean texts that long (never below the first). Each language's rule veto is set from
the same out-of-fold scores: it may cost at most RULE_VETO_LOSS of the language's tuning
attempts (those a family rule alone catches, scored below it).
The held-out part is never read here. Needs scikit-learn (a development dependency).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from workers.policy.classifier import (
    BUCKET_BITS,
    FORMAT,
    LANGUAGES,
    MIN_CONTENT,
    MODEL_FILE,
    VETO_MIN_CONTENT,
    GuardModel,
    bucket_ids,
    classifier_view,
    content,
    gram_total,
    language,
    weighted_content,
)
from workers.policy.corpus import Example, load_corpus, part
from workers.policy.injection import has_family_hit, rule_hits
from workers.policy.rules import ENCODED
from workers.policy.text import normalise

_CORPORA = Path(__file__).resolve().parents[2] / "tests" / "corpus"
# The fresh sets that became tuning data once their rates were published: guard_fresh,
# guard_fresh2, ..., up to this one.
TUNED_FRESH_SETS = 31
# The seeded corpus and those fresh sets.
CORPORA = (_CORPORA / "guard.jsonl",
           *(_CORPORA / f"guard_fresh{'' if n == 1 else n}.jsonl"
             for n in range(1, TUNED_FRESH_SETS + 1)))
OUTPUT = Path(__file__).with_name(MODEL_FILE)
SEED = 13
SIZES = (1, 2, 3, 4)
# An n-gram must occur in this many tuning texts to get a weight: rarer ones are noise.
MIN_DOCUMENTS = 3
# Inverse regularisation strength of the logistic regression.
C = 5.0
FOLDS = 5
# Clean tuning prompts per language the whole guard may flag, scored out of fold: the
# classifier's threshold is set by its clean tail, not above it. Above it (the previous rule,
# zero plus a margin) the classifier caught little the rules did not.
TARGET_FALSE_POSITIVE_RATE = 0.01
# The threshold sits halfway to the next clean logit up, and at most this far (in logit) above
# the highest clean prompt it lets through.
MARGIN = 0.5
# The share of a language's tuning attempts the rule veto may cost: attempts only a family rule
# catches, whose out-of-fold score lies below the veto.
RULE_VETO_LOSS = 0.005
WINDOW = 400
STRIDE = 200
DECIMALS = 5


def _rows(texts: Sequence[str]) -> list[tuple[Any, Any]]:
    """Per text: its distinct buckets and their feature values ((1 + ln count) / sqrt(total
    n-grams), before the buckets' inverse document frequency)."""
    import numpy as np

    rows = []
    for text in texts:
        view = classifier_view(text)
        ids = np.concatenate(list(bucket_ids(view, SIZES).values()))
        buckets, counts = np.unique(ids, return_counts=True)
        rows.append((buckets, (1.0 + np.log(counts))
                     / math.sqrt(gram_total(len(view), SIZES) or 1)))
    return rows


def _fit(texts: Sequence[str], labels: Sequence[bool]) -> tuple[dict[str, float], float]:
    """Weights per kept bucket and the bias, from scikit-learn's logistic regression."""
    import numpy as np
    from scipy.sparse import csr_matrix
    from sklearn.linear_model import LogisticRegression

    rows = _rows(texts)
    documents = np.zeros(1 << BUCKET_BITS, dtype=np.int64)
    for buckets, _ in rows:
        documents[buckets.astype(np.int64)] += 1
    columns = np.flatnonzero(documents >= MIN_DOCUMENTS)  # sorted bucket ids kept
    # Inverse document frequency (smoothed, as scikit-learn's): an n-gram every text has
    # says little. It scales the features, so the fit weighs rare n-grams up; the shipped
    # weights fold it in, and the worker never sees it.
    idf = np.log((1 + len(rows)) / (1 + documents)) + 1.0
    data, indices, indptr = [], [], [0]
    for buckets, values in rows:
        keep = documents[buckets.astype(np.int64)] >= MIN_DOCUMENTS
        data.append(values[keep] * idf[buckets[keep].astype(np.int64)])
        indices.append(np.searchsorted(columns, buckets[keep].astype(np.int64)))
        indptr.append(indptr[-1] + int(keep.sum()))
    matrix = csr_matrix((np.concatenate(data), np.concatenate(indices), indptr),
                        shape=(len(rows), len(columns)))
    # lbfgs is deterministic: no random state enters the fit.
    model = LogisticRegression(C=C, solver="lbfgs", class_weight="balanced", max_iter=5000)
    model.fit(matrix, [int(label) for label in labels])
    weights = {str(int(bucket)): round(float(w * idf[bucket]), DECIMALS)
               for bucket, w in zip(columns, model.coef_[0], strict=True)}
    return {b: w for b, w in weights.items() if w}, round(float(model.intercept_[0]), DECIMALS)


def _guard(weights: dict[str, float], bias: float) -> GuardModel:
    return GuardModel.from_json({"format": FORMAT, "sizes": list(SIZES), "weights": weights,
                                 "bias": bias, "thresholds": dict.fromkeys(LANGUAGES, 0.0),
                                 "long_thresholds": dict.fromkeys(LANGUAGES, 0.0),
                                 "rule_vetoes": dict.fromkeys(LANGUAGES, -math.inf),
                                 "window": WINDOW, "stride": STRIDE})


def _out_of_fold_logits(examples: Sequence[Example], normal: Sequence[str]) -> list[float]:
    from sklearn.model_selection import StratifiedKFold

    strata = [f"{e.lang}-{e.label}" for e in examples]
    folds = StratifiedKFold(n_splits=FOLDS, shuffle=True, random_state=SEED)
    logits = [0.0] * len(examples)
    for train, test in folds.split(normal, strata):
        weights, bias = _fit([normal[i] for i in train],
                             [examples[i].label == "injection" for i in train])
        model = _guard(weights, bias)
        for i in test:
            # Texts the shipped model will not judge must not set its threshold.
            judged = content(classifier_view(normal[i])) >= MIN_CONTENT
            logits[i] = model.logit(normal[i]) if judged else -math.inf
    return logits


def _thresholds(examples: Sequence[Example], normal: Sequence[str], logits: Sequence[float],
                *, longer_than: int = 0, set_aside: frozenset[int] = frozenset(),
                rules_spend: bool = True) -> dict[str, float]:
    """Per language (as the model tells it), the lowest threshold that keeps the flagged clean
    share within the target, placed in the gap above the highest clean logit it lets through;
    counting only the clean texts the classifier reads as longer than `longer_than`. A clean
    text the rules flag spends the budget (when `rules_spend`), unless its index is in
    `set_aside` (the rule veto clears it)."""
    thresholds = {}
    for lang in LANGUAGES:
        clean = [(logit, e, i) for i, (logit, e, text)
                 in enumerate(zip(logits, examples, normal, strict=True))
                 if e.label == "clean" and language(view := classifier_view(text)) == lang
                 and len(view) > longer_than]
        hit = {i for _, e, i in clean if rule_hits(e.text)}
        already = len(hit - set_aside) if rules_spend else 0
        budget = max(0, math.floor(TARGET_FALSE_POSITIVE_RATE * len(clean)) - already)
        unflagged = sorted((logit for logit, _, i in clean if i not in hit), reverse=True)
        threshold = -math.inf
        if len(unflagged) > budget:
            passed = unflagged[budget]
            gap = unflagged[budget - 1] - passed if budget else math.inf
            threshold = passed + min(gap / 2, MARGIN)
        thresholds[lang] = round(threshold, DECIMALS)
    return thresholds


def _rule_vetoes(examples: Sequence[Example], normal: Sequence[str], logits: Sequence[float],
                 thresholds: dict[str, float],
                 long_thresholds: dict[str, float]) -> dict[str, float]:
    """Per language, the logit below which lie at most RULE_VETO_LOSS of the language's attempts,
    counting those a family rule catches and the classifier (at these thresholds) does not;
    placed in the gap below the lowest one it keeps."""
    # Per attempt: its language, and its logit when only a family rule catches it and the veto
    # could apply (long enough, below the classifier's bar).
    attempts: list[tuple[str, float | None]] = []
    for logit, e, text in zip(logits, examples, normal, strict=True):
        if e.label != "injection":
            continue
        view = classifier_view(text)
        lang = language(view)
        bar = (long_thresholds if len(view) > WINDOW else thresholds)[lang]
        vetoable = (-math.inf < logit < bar and weighted_content(view) >= VETO_MIN_CONTENT
                    and has_family_hit(rule_hits(e.text)))
        attempts.append((lang, logit if vetoable else None))
    vetoes = {}
    for lang in LANGUAGES:
        caught = sorted(logit for each, logit in attempts if each == lang and logit is not None)
        if not caught:
            vetoes[lang] = -math.inf
            continue
        total = sum(1 for each, _ in attempts if each == lang)
        lost = min(math.floor(RULE_VETO_LOSS * total), len(caught) - 1)
        kept = caught[lost]
        gap = kept - caught[lost - 1] if lost else math.inf
        vetoes[lang] = round(kept - min(gap / 2, MARGIN), DECIMALS)
    return vetoes


def _vetoed_clean(examples: Sequence[Example], normal: Sequence[str], logits: Sequence[float],
                  vetoes: dict[str, float]) -> frozenset[int]:
    """The clean texts whose only rule hits the veto sets aside (out of fold)."""
    vetoed = set()
    for i, (logit, e, text) in enumerate(zip(logits, examples, normal, strict=True)):
        if e.label != "clean":
            continue
        view = classifier_view(text)
        hits = rule_hits(e.text)
        if (has_family_hit(hits) and not hits[ENCODED] and logit < vetoes[language(view)]
                and weighted_content(view) >= VETO_MIN_CONTENT):
            vetoed.add(i)
    return frozenset(vetoed)


def _bars(examples: Sequence[Example], normal: Sequence[str], logits: Sequence[float],
          set_aside: frozenset[int] = frozenset()
          ) -> tuple[dict[str, float], dict[str, float], dict[str, float]]:
    """Thresholds, long-text thresholds and rule vetoes, per language."""
    thresholds = _thresholds(examples, normal, logits, set_aside=set_aside)
    # The long-text bar calibrates the classifier's best window on long clean texts; the rules'
    # false positives are charged to the budget above already (charged again here, a few rule
    # hits on long clean texts left the classifier no budget, and its bar jumped past most
    # long attempts).
    longer = _thresholds(examples, normal, logits, longer_than=WINDOW, rules_spend=False)
    long_thresholds = {lang: max(thresholds[lang], longer[lang]) for lang in LANGUAGES}
    return (thresholds, long_thresholds,
            _rule_vetoes(examples, normal, logits, thresholds, long_thresholds))


def tuning_part(corpora: Sequence[Path] = CORPORA) -> list[Example]:
    """The tuning examples of every corpus, in file order."""
    return [e for corpus in corpora for e in part(load_corpus(corpus), "tune")]


def train(corpora: Sequence[Path] = CORPORA) -> dict[str, Any]:
    """The model document trained on the tuning parts of `corpora`."""
    examples = tuning_part(corpora)
    normal = [normalise(e.text) for e in examples]
    logits = _out_of_fold_logits(examples, normal)
    # Set once as if every rule hit on a clean text stood, then again with the budget those the
    # veto clears no longer spend.
    _, _, first_vetoes = _bars(examples, normal, logits)
    thresholds, long_thresholds, rule_vetoes = _bars(
        examples, normal, logits, _vetoed_clean(examples, normal, logits, first_vetoes))
    weights, bias = _fit(normal, [e.label == "injection" for e in examples])
    return {"format": FORMAT, "sizes": list(SIZES), "window": WINDOW, "stride": STRIDE,
            "bias": bias, "thresholds": thresholds, "long_thresholds": long_thresholds,
            "rule_vetoes": rule_vetoes,
            "trained_on": {"corpora": [corpus.name for corpus in corpora], "split": "tune",
                           "examples": len(examples), "seed": SEED, "c": C,
                           "min_documents": MIN_DOCUMENTS,
                           "target_false_positive_rate": TARGET_FALSE_POSITIVE_RATE,
                           "rule_veto_loss": RULE_VETO_LOSS},
            "weights": dict(sorted(weights.items()))}


def dumps(document: dict[str, Any]) -> str:
    """The model document as written to disk: stable key order, one weight per line."""
    return json.dumps(document, ensure_ascii=False, indent=0) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    """Train and write the model, or with --check report whether the shipped one matches."""
    parser = argparse.ArgumentParser(prog="python -m workers.policy.train", description=__doc__)
    parser.add_argument("--corpus", type=Path, action="append", dest="corpora",
                        help="a corpus whose tuning part to train on (repeatable; default: "
                             "guard.jsonl and guard_fresh*.jsonl)")
    parser.add_argument("--output", type=Path, default=OUTPUT)
    parser.add_argument("--check", action="store_true",
                        help="exit 1 if training does not reproduce the file at --output")
    args = parser.parse_args(argv)
    document = train(args.corpora or CORPORA)
    if args.check:
        same = args.output.read_text(encoding="utf-8") == dumps(document)
        print("the shipped model is reproduced" if same else "the shipped model differs")
        return 0 if same else 1
    args.output.write_text(dumps(document), encoding="utf-8")
    print(f"wrote {args.output}: {len(document['weights'])} weights, "
          f"thresholds {document['thresholds']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
