"""Key messages on real sentences (the 2022 report of the Mission Bassin Minier, press pages)."""

import pytest
import spacy

from nlp.components import key_messages
from nlp.components.key_messages import load_message_lexicon, load_message_set
from nlp.evaluation.key_messages import evaluate

SM_PIPES = ("tok2vec", "morphologizer", "parser", "senter", "attribute_ruler", "lemmatizer", "ner")
MESSAGES = load_message_set("bassin-minier")
PRIDE = "Fierté des habitants"
IMAGE = "Changement d'image"
HISTORY = "Reconnaissance de l'histoire du territoire"
TEN_YEARS = "10 ans de l'inscription au Patrimoine mondial"


@pytest.fixture(scope="module")
def pipeline():
    """fr_core_news_sm reduced to what the component declares it needs, plus the component."""
    pipeline = spacy.load(
        "fr_core_news_sm", exclude=[p for p in SM_PIPES if p not in key_messages.REQUIRES]
    )
    pipeline.add_pipe("retombees_key_messages")
    return pipeline


def carried(pipeline, text, messages=MESSAGES):
    doc = pipeline.make_doc(text)
    doc._.retombees_context = {"key_messages": messages}
    return {hit["label"]: hit for hit in pipeline(doc)._.retombees_key_messages}


def test_the_example_campaign_has_the_report_messages():
    labels = [m["label"] for m in MESSAGES]
    assert {PRIDE, IMAGE, HISTORY, TEN_YEARS, "Patrimoine vivant et habité"} <= set(labels)
    assert all(3 <= len(m["phrasings"]) <= 6 for m in MESSAGES)


def test_a_message_is_found_with_its_supporting_sentence(pipeline):
    # The report's paragraph: only its first sentence speaks of the image.
    text = (
        "L'analyse des verbatims contenus dans les articles ou reportages montrent clairement que "
        "l'image du Bassin minier a évolué positivement au cours de ces dix dernières années. Les "
        "messages clés ont été bien véhiculés par les différents médias."
    )
    hit = carried(pipeline, text)[IMAGE]
    assert hit["method"] == "phrase" and hit["score"] == 1.0
    assert hit["sentence"].startswith("L'analyse des verbatims")
    assert "messages clés" not in hit["sentence"]


@pytest.mark.parametrize(
    ("text", "label"),
    [
        # "fierté" in a phrasing, "motif de fierté" in the text
        (
            "C'est par ailleurs, pour l'immense majorité des répondants (96,7%), un motif de "
            "fierté sur lequel il faut s'appuyer dans les travaux avec les habitants afin qu'ils "
            "puissent jouer pleinement leur rôle d'ambassadeur du territoire.",
            PRIDE,
        ),
        # "hommage" counts as recognition, "industrielle" as "industriel"
        (
            "Ces deux documentaires constituent un très bel hommage à toute une corporation qui a "
            "marqué l'histoire industrielle de la France, en particulier celle du Nord-Pas de "
            "Calais.",
            HISTORY,
        ),
        # "10^e anniversaire" as the PDF wrote it
        (
            "Néanmoins, les posts concernant le 10^e anniversaire de l'inscription ont réussi à "
            "susciter l'intérêt du public avec un taux d'engagement de 4.3% en moyenne sur "
            "l'année !",
            TEN_YEARS,
        ),
    ],
)
def test_inflections_and_synonyms_match(pipeline, text, label):
    assert label in carried(pipeline, text)


@pytest.mark.parametrize(
    ("text", "label"),
    [
        # The slag heaps are proud, not the inhabitants.
        (
            "A quelques encablures du Louvre-Lens, les terrils jumeaux de Loos-en-Gohelle se "
            "dressent hauts et fiers !",
            PRIDE,
        ),
        # Belonging, negated.
        (
            "L'absence de sentiment d'appartenance à un seul et même territoire le Bassin minier "
            "et le morcellement par territoire se vérifie.",
            PRIDE,
        ),
        # The museum's tenth anniversary, not the listing's.
        (
            "La programmation est à retrouver sur un site internet dédié, développé conjointement "
            "avec le Musée du Louvre-Lens qui célèbre aussi son 10^e anniversaire en 2022 !",
            TEN_YEARS,
        ),
        # The listing told as a fact carries none of the messages.
        (
            "L'Unesco a inscrit samedi 30 juin le bassin minier du Nord-Pas-de-Calais au "
            "Patrimoine mondial lors d'une réunion à Saint-Pétersbourg.",
            HISTORY,
        ),
    ],
)
def test_shared_words_are_not_enough(pipeline, text, label):
    assert label not in carried(pipeline, text)


def test_without_messages_nothing_is_found(pipeline):
    doc = pipeline("L'image du Bassin minier a évolué positivement.")
    assert doc._.retombees_key_messages == []


def test_messages_come_with_each_clip(pipeline):
    text = (
        "En 2001, l'Union européenne a mis en place une série de mesures pour inverser cette "
        "tendance, et les populations de merlu ont aujourd'hui rebondi de façon impressionnante."
    )
    fish = [{"label": "Sauvetage du merlu", "phrasings": ["les populations de merlu rebondissent"]}]
    assert set(carried(pipeline, text, fish)) == {"Sauvetage du merlu"}
    assert carried(pipeline, text) == {}


def test_a_paraphrase_is_found_by_similarity_and_says_so():
    pipeline = spacy.blank("fr")
    pipeline.add_pipe("retombees_key_messages", config={"similarity_threshold": 0.85})
    text = (
        "En 2001, l'Union européenne a mis en place une série de mesures pour inverser cette "
        "tendance, et les populations de merlu ont aujourd'hui rebondi de façon impressionnante."
    )
    # "spectaculaire" is not in the text; its vector is close to "impressionnante".
    fish = [
        {
            "label": "Sauvetage du merlu",
            "phrasings": ["les populations de merlu ont rebondi de façon spectaculaire"],
        }
    ]
    hit = carried(pipeline, text, fish)["Sauvetage du merlu"]
    assert hit["method"] == "similarity"
    assert 0.85 <= hit["score"] < 1.0


def test_phrases_still_match_without_word_vectors():
    pipeline = spacy.blank("fr")
    pipeline.add_pipe(
        "retombees_key_messages",
        config={"vectors": {"@misc": "retombees.word_vectors.v1", "model": None}},
    )
    text = (
        "En 2022, le Bassin minier célèbre ses 10 ans d'inscription au Patrimoine mondial de "
        "l'UNESCO !"
    )
    assert carried(pipeline, text)[TEN_YEARS]["method"] == "phrase"


def test_sentences_from_the_parser_are_used_when_it_ran():
    pipeline = spacy.load("fr_core_news_sm")
    pipeline.add_pipe("retombees_key_messages")
    text = (
        "Bien que très prenante, la communication autour de cet anniversaire a été une réussite. "
        "En 2022, le Bassin minier célèbre ses 10 ans d'inscription au Patrimoine mondial de "
        "l'UNESCO !"
    )
    hit = carried(pipeline, text)[TEN_YEARS]
    assert hit["sentence"].startswith("En 2022")


def test_a_word_in_two_synonym_families_is_a_clear_error(tmp_path):
    (tmp_path / "synonyms.txt").write_text("fierté fier\norgueil fier\n", encoding="utf-8")
    (tmp_path / "stop_lemmas.txt").write_text("le\n", encoding="utf-8")
    (tmp_path / "negators.txt").write_text("pas\n", encoding="utf-8")
    with pytest.raises(ValueError, match="'fier' is in two families"):
        load_message_lexicon(str(tmp_path))


def test_the_evaluation_reports_scores_on_labelled_sentences(pipeline):
    report = evaluate(pipeline)
    assert report.examples >= 60
    assert report.scores.precision >= 0.8 and report.scores.recall >= 0.75
    assert any(note.startswith("test:") for note in report.notes)
