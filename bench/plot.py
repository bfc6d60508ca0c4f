"""The plot for BENCHMARKS.md: output tokens/s against batch size, raw vLLM and sealq."""

from __future__ import annotations

from pathlib import Path

from bench.results import SideResult

COLOURS = {"raw": "#4c72b0", "sealq": "#dd8452"}


def plot_sweep(sides: list[SideResult], path: Path, *, title: str) -> None:
    """A small PNG: one line per side that ran the sweep."""
    import matplotlib

    matplotlib.use("Agg")  # no display on servers and CI
    import matplotlib.pyplot as plt

    figure, axis = plt.subplots(figsize=(6, 3.6), dpi=100)
    axis.set_xscale("log", base=2)
    sizes: set[int] = set()
    for side in sides:
        if not side.sweep:
            continue
        sizes.update(run.jobs for run in side.sweep)
        axis.plot([run.jobs for run in side.sweep], [run.tokens_per_s for run in side.sweep],
                  marker="o", label=side.side, color=COLOURS.get(side.side))
    axis.set_xticks(sorted(sizes), [str(s) for s in sorted(sizes)])
    axis.minorticks_off()
    axis.set_xlabel("batch size (jobs submitted at once)")
    axis.set_ylabel("output tokens/s")
    axis.set_ylim(bottom=0)
    axis.set_title(title, fontsize=9)
    axis.grid(alpha=0.3)
    axis.legend()
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)
