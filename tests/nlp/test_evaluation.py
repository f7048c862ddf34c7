"""The evaluation runner, the metrics, and the evaluation on the press officer's corrections."""

import json
import sys
import types

import pytest

from models import Coverage, Medium, Outlet
from models.label import add_label
from nlp.evaluation import medium, runner, territory
from nlp.evaluation.report import Report, Scores

NPDC = "À Loos-en-Gohelle, les terrils jumeaux et la base 11/19 dominent le bassin minier."
LORRAINE = "À Petite-Rosselle, en Moselle, le carreau Wendel raconte le bassin houiller lorrain."


def test_the_targets_hold_on_the_development_set(nlp):
    dev, baseline, extra, extra_baseline = territory.reports(nlp)
    assert (dev.dataset, extra.dataset) == ("mentions-dev.jsonl", "territory_extra.jsonl")
    assert dev.scores.f1 >= 0.95 and extra.scores.f1 >= 0.95
    # The keyword alert the product replaces does much worse.
    assert baseline.component == territory.BASELINE and baseline.scores.f1 < 0.8
    assert extra_baseline.scores.f1 < dev.scores.f1
    assert medium.evaluate(nlp).confusion.accuracy >= 0.9


def test_run_all_runs_the_evaluations_present_and_formats_a_table(nlp):
    reports = runner.run_all(nlp, ["territory", "medium"])
    components = [report.component for report in reports]
    assert components.count("retombees_territory") == 2
    assert components.count("retombees_medium") == 2
    table = runner.format_table(reports).splitlines()
    assert table[0].split() == ["component", "dataset", "n", "P", "R", "F1", "accuracy"]
    assert len(table) == 2 + len(reports)
    assert any("mentions-dev.jsonl" in line and "0.9" in line for line in table[2:])


def test_a_missing_evaluation_module_is_skipped_a_present_one_is_run(nlp, monkeypatch):
    monkeypatch.setitem(sys.modules, "nlp.evaluation.summary", None)  # "not written yet"
    fake = types.ModuleType("nlp.evaluation.tone")
    fake.evaluate = lambda pipeline: Report("retombees_tone", "tone.jsonl", 3, scores=Scores(tp=3))
    monkeypatch.setitem(sys.modules, "nlp.evaluation.tone", fake)
    reports = runner.run_all(nlp, ["summary", "tone"])
    assert [(r.component, r.examples) for r in reports] == [("retombees_tone", 3)]


def test_a_broken_evaluation_module_is_not_mistaken_for_a_missing_one(nlp, monkeypatch):
    def broken(name):
        raise ModuleNotFoundError("No module named 'numpyy'", name="numpyy")

    monkeypatch.setattr(runner.importlib, "import_module", broken)
    with pytest.raises(ModuleNotFoundError, match="numpyy"):
        runner.run_all(nlp, ["quotes"])


def test_an_unknown_component_is_a_clear_error(nlp):
    with pytest.raises(ValueError, match="unknown component sentiment"):
        runner.run_all(nlp, ["sentiment"])


def write_lines(path, rows):
    path.write_text("\n".join(json.dumps(row, ensure_ascii=False) for row in rows), "utf-8")
    return path


def test_territory_metrics_count_each_decision_and_keep_unsure_apart(nlp, tmp_path):
    rows = [
        {"task": "basin", "label": "npdc", "url": "u1", "excerpt": NPDC},  # true positive
        {"task": "basin", "label": "other", "url": "u2", "excerpt": LORRAINE},  # true negative
        # A negative that says "bassin minier" and names the basin's Louvre-Lens: false positive
        {
            "task": "basin",
            "label": "none",
            "url": "u3",
            "excerpt": "Le Louvre-Lens, bassin minier.",
        },
        # A positive without evidence: false negative
        {"task": "basin", "label": "npdc", "url": "u4", "excerpt": "Les corons."},
        {"task": "basin", "label": "unsure", "url": "u5", "excerpt": "Les mines de France."},
        {"task": "medium", "label": "tv", "url": "u6", "excerpt": "ignored"},
    ]
    path = write_lines(tmp_path / "basin.jsonl", rows)
    report = territory.evaluate(nlp, path)
    assert (report.scores.tp, report.scores.tn, report.scores.fp, report.scores.fn) == (1, 1, 1, 1)
    assert report.examples == 4 and report.scores.f1 == pytest.approx(0.5)
    assert report.notes[0] == "unsure (not scored): 1, 0 of them predicted relevant"
    assert any(note.startswith("false positive: u3") for note in report.notes)
    baseline = territory.keyword_baseline(path)
    assert (baseline.scores.tp, baseline.scores.fp, baseline.scores.fn) == (1, 1, 1)


def test_labels_outside_the_schema_are_refused(tmp_path):
    path = write_lines(
        tmp_path / "x.jsonl", [{"task": "basin", "label": "lorraine", "excerpt": ""}]
    )
    with pytest.raises(ValueError, match="unknown basin label 'lorraine'"):
        territory.load_examples(path)
    path = write_lines(tmp_path / "y.jsonl", [{"task": "medium", "label": "cinema", "excerpt": ""}])
    with pytest.raises(ValueError, match="unknown medium 'cinema'"):
        medium.load_examples(path)


def test_medium_metrics_give_accuracy_the_confusion_and_the_clear_cases(nlp, tmp_path):
    rows = [
        {"task": "medium", "label": "radio", "url": "https://www.franceinter.fr/e", "excerpt": "x"},
        {"task": "medium", "label": "tv", "url": "https://www.tf1.fr/jt", "excerpt": "x"},
        {
            "task": "medium",
            "label": "press",
            "url": "https://www.francebleu.fr/infos/a",
            "excerpt": "x",
            "note": "ambiguous: written article",
        },
    ]
    report = medium.evaluate(nlp, write_lines(tmp_path / "m.jsonl", rows))
    data = report.confusion.as_json()
    assert data["labels"] == ["press", "radio", "tv"] and report.confusion.accuracy == 2 / 3
    assert data["matrix"][0] == [0, 1, 0]  # the press page was read as radio
    assert report.notes[0] == "without the 'ambiguous' examples: accuracy 1.000 on 2"


def add_clip(session, url: str, text: str, outlet=None) -> Coverage:
    clip = Coverage(url=url, title="", text=text, outlet=outlet)
    session.add(clip)
    return clip


def test_the_press_officers_corrections_are_an_evaluation_set(sessions, nlp):
    with sessions.begin() as session:
        press = Outlet(name="La Voix du Nord", medium=Medium.PRESS)
        npdc = add_clip(session, "https://www.lavoixdunord.fr/1", NPDC, press)
        lorraine = add_clip(session, "https://www.francebleu.fr/lorraine/2", LORRAINE)
        add_label(session, npdc, "relevance", {"relevant": False}, {"relevant": True})
        # A later correction of the same clip replaces the earlier one.
        add_label(session, npdc, "relevance", {"relevant": True}, {"relevant": True})
        add_label(session, lorraine, "relevance", {"relevant": False}, {"relevant": True})
        add_label(session, lorraine, "medium", {"medium": "radio"}, {"medium": "web"})
        add_label(session, npdc, "medium", {"medium": "press"}, {"medium": "press"})
        add_label(session, npdc, "tone", {"tone": "positive"}, {"tone": "neutral"})
    with sessions() as session:
        relevance, medium_report = runner.labels_report(session, nlp)
    assert (relevance.component, relevance.dataset, relevance.examples) == (
        "retombees_territory",
        "labels",
        2,
    )
    assert (relevance.scores.tp, relevance.scores.tn) == (1, 1)
    assert relevance.notes == ["the analysis at labelling time agreed on 1"]
    assert medium_report.examples == 2 and medium_report.confusion.accuracy == 1.0
    assert medium_report.notes == ["the analysis at labelling time agreed on 1"]


def test_labels_export_as_training_examples(sessions):
    with sessions.begin() as session:
        clip = add_clip(session, "https://www.lavoixdunord.fr/3", NPDC)
        clip.title = "Les terrils"
        add_label(session, clip, "relevance", {"relevant": False}, {"relevant": True})
        add_label(session, clip, "relevance", {"relevant": True}, {"relevant": True})
        add_label(session, clip, "tone", {"tone": "positive"}, {"tone": "neutral"})
    with sessions() as session:
        rows = list(runner.export_labels(session))
    assert [(row["task"], row["value"]) for row in rows] == [
        ("relevance", {"relevant": True}),
        ("tone", {"tone": "positive"}),
    ]
    assert rows[0] == {
        "task": "relevance",
        "value": {"relevant": True},
        "predicted": {"relevant": True},
        "text": NPDC,
        "title": "Les terrils",
        "url": "https://www.lavoixdunord.fr/3",
        "outlet": None,
    }
    json.dumps(rows)  # JSON lines, as exported
