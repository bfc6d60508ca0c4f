"""How well the input guard separates a labelled corpus: detection and false-positive rates.

An injection attempt counts as caught, and a clean prompt as flagged, when the guard's
decision is anything but accept. Rates are kept per split, language and family.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from workers.policy.corpus import Example
from workers.policy.verdict import Verdict

ALL = "all"


@dataclass
class Tally:
    """How many examples of a group the guard did not accept, out of how many."""

    hit: int = 0
    total: int = 0

    @property
    def rate(self) -> float:
        """hit / total (0 for an empty group)."""
        return self.hit / self.total if self.total else 0.0

    def as_dict(self) -> dict[str, float | int]:
        """JSON-ready form."""
        return {"hit": self.hit, "total": self.total, "rate": round(self.rate, 4)}


@dataclass
class Evaluation:
    """Tallies keyed by (split, label, language, family); ALL stands for any."""

    tallies: dict[tuple[str, str, str, str], Tally] = field(default_factory=dict)

    def add(self, example: Example, flagged: bool) -> None:
        """Count one example in every group it belongs to."""
        split = example.split or ALL
        for key_split in {split, ALL}:
            for lang in (example.lang, ALL):
                for family in (example.family, ALL):
                    tally = self.tallies.setdefault((key_split, example.label, lang, family),
                                                    Tally())
                    tally.total += 1
                    tally.hit += flagged

    def get(self, split: str, label: str, lang: str = ALL, family: str = ALL) -> Tally:
        """The tally of one group (empty if the corpus has none)."""
        return self.tallies.get((split, label, lang, family), Tally())

    def splits(self) -> list[str]:
        """The splits present, `tune` and `heldout` first, then ALL."""
        present = {key[0] for key in self.tallies}
        return [s for s in ("tune", "heldout", ALL) if s in present]

    def families(self, label: str) -> list[str]:
        """The families of one label present in the corpus, sorted."""
        return sorted({key[3] for key in self.tallies if key[1] == label} - {ALL})

    def languages(self) -> list[str]:
        """The languages present in the corpus, sorted."""
        return sorted({key[2] for key in self.tallies} - {ALL})

    def as_dict(self) -> dict[str, object]:
        """JSON-ready form: per split, per label, per language and per family."""
        report: dict[str, object] = {}
        for split in self.splits():
            report[split] = {
                label: {
                    "overall": self.get(split, label).as_dict(),
                    "by_language": {lang: self.get(split, label, lang).as_dict()
                                    for lang in self.languages()},
                    "by_family": {family: self.get(split, label, ALL, family).as_dict()
                                  for family in self.families(label)},
                    "by_language_and_family": {
                        lang: {family: self.get(split, label, lang, family).as_dict()
                               for family in self.families(label)
                               if self.get(split, label, lang, family).total}
                        for lang in self.languages()},
                }
                for label in ("injection", "clean")
            }
        return report


def evaluate(examples: Iterable[Example], judge: Callable[[str], Verdict]) -> Evaluation:
    """Run `judge` on every example's text and tally what it did not accept."""
    evaluation = Evaluation()
    for example in examples:
        evaluation.add(example, judge(example.text).decision != "accept")
    return evaluation
