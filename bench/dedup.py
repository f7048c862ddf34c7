"""Duplicate detection benchmark: the time to sign one 5 kB article (MinHash, ``signature``).

Every stored clip with a text is signed once, in the crawl's store step, so this is a cost per
clip of the crawl. Texts are cut from the real French news pages of the development corpus,
5,000 bytes each (UTF-8). Prints the median, 90th percentile and maximum over the signatures of
several runs; the design's budget is 5 ms a text (`docs/duplicates.md`).
Run: ``.venv/bin/python bench/dedup.py [--texts 200] [--runs 5] [--corpus DIR]``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.nlp import corpus_texts  # noqa: E402
from models.dedup import signature  # noqa: E402

BUDGET_MS = 5.0


def five_kb_texts(texts: list[str], count: int) -> list[str]:
    """``count`` texts of 5,000 UTF-8 bytes taken at different places of the corpus."""
    corpus = "\n\n".join(texts).encode("utf-8")
    if len(corpus) < 5000:
        raise SystemExit("the corpus holds less than 5 kB of text")
    step = max((len(corpus) - 5000) // count, 1)
    out = []
    for i in range(count):
        start = (i * step) % (len(corpus) - 5000 + 1)
        out.append(corpus[start : start + 5000].decode("utf-8", errors="ignore"))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--texts", type=int, default=200)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--corpus", type=Path, default=ROOT.parent / "shared/corpus/dev/pages")
    args = parser.parse_args()
    texts = five_kb_texts(corpus_texts(args.corpus), args.texts)
    signature(texts[0])  # warm-up: the permutations are drawn once
    medians = []
    durations = []
    for run in range(1, args.runs + 1):
        times = []
        for text in texts:
            start = time.perf_counter()
            signature(text)
            times.append((time.perf_counter() - start) * 1000)
        medians.append(statistics.median(times))
        durations += times
        print(f"run {run}: median {medians[-1]:.2f} ms a text")
    median = statistics.median(medians)
    p90 = statistics.quantiles(durations, n=10)[-1]
    print(
        f"{len(texts)} texts of 5 kB × {args.runs} runs: median {median:.2f} ms, "
        f"90th percentile {p90:.2f} ms, max {max(durations):.2f} ms "
        f"({'within' if median < BUDGET_MS else 'over'} the {BUDGET_MS:g} ms budget)"
    )


if __name__ == "__main__":
    main()
