"""Tone on real excerpts (the 2022 report of the Mission Bassin Minier, press pages)."""

import glob
from pathlib import Path

import pytest
import spacy

from nlp.components import tone
from nlp.evaluation.tone import evaluate

SM_PIPES = ("tok2vec", "morphologizer", "parser", "senter", "attribute_ruler", "lemmatizer", "ner")
BASSIN = ["Bassin minier", "Nord-Pas-de-Calais", "Loos-en-Gohelle"]


@pytest.fixture(scope="module")
def pipeline():
    """fr_core_news_sm reduced to what the component declares it needs, plus the component."""
    pipeline = spacy.load(
        "fr_core_news_sm", exclude=[p for p in SM_PIPES if p not in tone.REQUIRES]
    )
    pipeline.add_pipe("retombees_tone")
    return pipeline


def analyse(pipeline, text, terms=()):
    doc = pipeline.make_doc(text)
    doc._.retombees_context = {"territory_terms": list(terms)}
    return pipeline(doc)


@pytest.mark.parametrize(
    "text",
    [
        "Bien que très prenante, la communication autour de cet anniversaire a été une réussite "
        "sur plusieurs points :",
        "C'est un bassin exceptionnel sur 120 kilomètres de long et 4 000 hectares. Ce territoire "
        "minier du Nord-Pas-de-Calais témoigne d'une richesse industrielle et d'une diversité "
        "patrimoniale à nulle autre pareille.",
    ],
)
def test_praise_is_positive(pipeline, text):
    doc = analyse(pipeline, text, BASSIN)
    assert doc._.retombees_tone == "positive"
    assert doc._.retombees_tone_score > 0


def test_negated_success_is_negative_and_the_reason_quotes_it(pipeline):
    doc = analyse(
        pipeline, "On constate que la vidéo n'a pas eu le succès escompté avec seulement 33 vues."
    )
    assert doc._.retombees_tone == "negative"
    assert "pas eu le succès" in doc._.retombees_tone_reason
    assert doc._.retombees_tone_reason.startswith("Negative")


def test_damage_and_deaths_are_negative(pipeline):
    text = (
        "Plusieurs dizaines de personnes ont été tuées, selon les autorités palestiniennes, lors "
        "de frappes israéliennes contre le camp de réfugiés de Jabalia, dans le nord de la bande "
        "de Gaza, mardi et mercredi."
    )
    assert analyse(pipeline, text, ["Jabalia"])._.retombees_tone == "negative"


@pytest.mark.parametrize(
    "text",
    [
        "L'Unesco a inscrit samedi 30 juin le bassin minier du Nord-Pas-de-Calais au Patrimoine "
        "mondial lors d'une réunion à Saint-Pétersbourg. Le site devient le 38e lieu français "
        "inscrit au Patrimoine mondial.",
        "Les dépenses en communication en 2021 et en 2022 pour ce 10^e anniversaire représentent "
        "un total de 125 590 €.",
    ],
)
def test_facts_are_neutral(pipeline, text):
    doc = analyse(pipeline, text, BASSIN)
    assert doc._.retombees_tone == "neutral"
    assert "no polar wording" in doc._.retombees_tone_reason


def test_intensifiers_and_diminishers_shift_the_cue(pipeline):
    doc = analyse(
        pipeline,
        "Les résultats sont très encourageants et confortés par ceux partagés au sein de la "
        "synthèse des enquêtes visiteurs menées en 2022.",
    )
    assert "«très encourageants»" in doc._.retombees_tone_reason
    scorer = pipeline.get_pipe("retombees_tone")
    sentence = pipeline.make_doc(
        "un chiraquien s'est souvenu du surnom peu flatteur que donnait Jacques Chirac"
    )
    cues = {c.text: c.value for c in scorer.cues(sentence[:])}
    assert cues["peu flatteur"] < 0


def test_the_sentences_about_the_subject_count_more(pipeline):
    # Praise of the "j'ai 10 ans" tools, then regrets about the Bassin minier's cohesion.
    text = (
        "Néanmoins, des outils communs tels que le site web « j'ai 10 ans » et la campagne "
        "institutionnelle « j'ai 10 ans ! » ont été de vraies réussites. Certains partenaires ont "
        "relevé l'éloignement géographique du musée. L'absence de sentiment d'appartenance à un "
        "seul et même territoire le Bassin minier et le morcellement par territoire se vérifie."
    )
    about_campaign = analyse(pipeline, text, ["j'ai 10 ans"])._.retombees_tone_score
    about_territory = analyse(pipeline, text, ["Bassin minier"])._.retombees_tone_score
    assert about_campaign > about_territory
    doc = analyse(pipeline, text, ["j'ai 10 ans"])
    assert "1 of 3 sentences name the subject" in doc._.retombees_tone_reason


def test_scores_stay_in_range_on_whole_articles(pipeline):
    pages = Path(__file__).resolve().parents[3] / "shared" / "corpus" / "dev" / "pages"
    report = (
        Path(__file__).resolve().parents[3] / "shared" / "seed" / "bilan-communication-2022.txt"
    )
    texts = [report.read_text(encoding="utf-8")] if report.exists() else []
    texts += [
        Path(p).read_text(encoding="utf-8", errors="ignore")[:20000]
        for p in glob.glob(f"{pages}/*.json")
    ]
    if not texts:
        pytest.skip("the shared corpus is not beside the checkout")
    for doc in pipeline.pipe(texts):
        assert -1.0 <= doc._.retombees_tone_score <= 1.0
        assert doc._.retombees_tone in ("positive", "neutral", "negative")


def test_the_evaluation_reports_accuracy_on_labelled_excerpts(pipeline):
    report = evaluate(pipeline)
    assert report.examples >= 40
    assert report.confusion.accuracy >= 0.8
    assert any(note.startswith("test:") for note in report.notes)
