"""NLP benchmark: the analysis job on 700-token French articles, and the time of each component.

Articles are cut from the real French news pages of the development corpus (about 700 tokens
each; half of them get a paragraph about the Nord-Pas-de-Calais mining basin so the content
step runs on them, as it would on a campaign's relevant clips). Reports clips/s of the whole
job (``process_pending`` on a SQLite database, as the scheduler runs it), ms per article for each
pipe, and the peak RSS of this process.
Run: ``.venv/bin/python bench/nlp.py [--clips 300] [--runs 3] [--corpus DIR]``.
"""

from __future__ import annotations

import argparse
import gzip
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from crawler.extract import ExtractionError, extract_page  # noqa: E402
from models import Campaign, Coverage, CoverageCampaign, KeyMessage, Settings  # noqa: E402
from models.db import open_database  # noqa: E402
from nlp.job import process_pending  # noqa: E402
from nlp.pipeline import TRIAGE, content_pipes, load_pipeline  # noqa: E402

BASIN = (
    "À Loos-en-Gohelle, les terrils jumeaux de la base 11/19 accueillent de plus en plus de "
    "visiteurs depuis l'inscription du bassin minier du Nord-Pas-de-Calais au patrimoine mondial "
    "de l'UNESCO. « C'est une fierté pour les habitants », a déclaré Claire Vandamme, directrice "
    "de la Mission Bassin Minier. L'image du territoire a profondément changé."
)


def corpus_texts(folder: Path) -> list[str]:
    texts = []
    for page in sorted(folder.glob("*.html*")):
        raw = page.read_bytes()
        if page.suffix == ".gz":
            raw = gzip.decompress(raw)
        try:
            texts.append(extract_page(raw).text)
        except ExtractionError:
            continue
    return texts


def articles(texts: list[str], count: int, nlp) -> list[str]:
    """``count`` articles of about 700 tokens, half of them about the basin."""
    words = " ".join(texts).split()
    out = []
    step = 560  # about 700 spaCy tokens with punctuation
    for i in range(count):
        start = (i * 397) % max(len(words) - step, 1)
        body = " ".join(words[start : start + step])
        out.append(f"{BASIN}\n\n{body}" if i % 2 == 0 else body)
    return out


def per_pipe_ms(nlp, texts: list[str]) -> dict[str, float]:
    """Median over three passes of the ms per article of each pipe alone (tokens made once)."""
    from spacy.tokens import Doc

    docs = [nlp.make_doc(t) for t in texts]
    for doc in docs:
        doc._.retombees_context = {}
    timings: dict[str, float] = {"tokenizer": 0.0}
    start = time.perf_counter()
    for text in texts:
        nlp.make_doc(text)
    timings["tokenizer"] = 1000 * (time.perf_counter() - start) / len(texts)
    for name, pipe in nlp.pipeline:
        runs = []
        for _ in range(3):
            fresh = [
                Doc(d.vocab, words=[t.text for t in d], spaces=[bool(t.whitespace_) for t in d])
                for d in docs
            ]
            for doc, old in zip(fresh, docs, strict=True):
                doc._.retombees_context = old._.retombees_context
            for other_name, other in nlp.pipeline:  # what this pipe needs, untimed
                if other_name == name:
                    break
                list(other.pipe(fresh, batch_size=32)) if hasattr(other, "pipe") else [
                    other(d) for d in fresh
                ]
            start = time.perf_counter()
            if hasattr(pipe, "pipe"):
                list(pipe.pipe(fresh, batch_size=32))
            else:
                for doc in fresh:
                    pipe(doc)
            runs.append(1000 * (time.perf_counter() - start) / len(fresh))
        timings[name] = statistics.median(runs)
    return timings


def store_clips(sessions, texts: list[str], **fields) -> None:
    """One campaign with two key messages, and ``texts`` as its clips: pending, unless
    ``fields`` set other columns."""
    with sessions.begin() as session:
        campaign = Campaign(slug="bench", name="Bench", query='"bassin minier"')
        campaign.key_messages = [
            KeyMessage(
                label="Fierté des habitants",
                phrasings=["les habitants sont fiers de leur territoire"],
            ),
            KeyMessage(label="Changement d'image", phrasings=["l'image du bassin minier a changé"]),
        ]
        for i, text in enumerate(texts):
            session.add(
                Coverage(
                    url=f"https://bench.example/{i}",
                    title=f"Article {i}",
                    text=text,
                    campaign_links=[CoverageCampaign(campaign=campaign)],
                    **fields,
                )
            )


def run_job(nlp, texts: list[str]) -> tuple[float, int]:
    """Seconds of ``process_pending`` over ``texts`` stored as pending clips; relevant count."""
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings.from_env(environ={}, instance_path=tmp, seed_example=False)
        _engine, sessions = open_database(settings)
        store_clips(sessions, texts)
        start = time.perf_counter()
        stats = process_pending(sessions, nlp, batch_size=32)
        return time.perf_counter() - start, stats.relevant


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clips", type=int, default=300)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--corpus", type=Path, default=ROOT.parent / "shared/corpus/dev/pages")
    args = parser.parse_args()
    nlp = load_pipeline()
    texts = articles(corpus_texts(args.corpus), args.clips, nlp)
    tokens = statistics.mean(len(nlp.make_doc(t)) for t in texts[:50])
    print(f"{len(texts)} articles, {tokens:.0f} tokens on average; pipes: {nlp.pipe_names}")
    print(f"triage pipes: {list(TRIAGE)}; content pipes: {content_pipes(nlp)}")
    rates = []
    for run in range(args.runs):
        seconds, relevant = run_job(nlp, texts)
        rates.append(len(texts) / seconds)
        print(
            f"run {run + 1}: {len(texts)} clips in {seconds:.1f} s = {rates[-1]:.1f} clips/s "
            f"({relevant} relevant, given the content step)",
            flush=True,
        )
    print(f"\njob, median of {args.runs} runs: {statistics.median(rates):.1f} clips/s")
    print("ms per article, each pipe alone (median of 3 passes over 60 articles):")
    for name, ms in per_pipe_ms(nlp, texts[:60]).items():
        print(f"  {name:<26} {ms:7.2f}")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS of this process: {rss:.0f} MB")


if __name__ == "__main__":
    main()
