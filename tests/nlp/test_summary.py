"""The two or three sentences a clip gets in the press book and the digest (real French pages)."""

import pytest
import spacy

from nlp.components import summary
from nlp.components.summary import split_sentences

KPMG_TITLE = "Affaire KPMG : un juge se récuse"
KPMG = (  # ici.radio-canada.ca, as the extractor gives it (one paragraph a line)
    "Affaire KPMG : un juge se récuse\n"
    "Un juge de la Cour de l'impôt se récuse d'un dossier mettant en cause un stratagème du "
    "cabinet comptable KPMG. Selon les émissions Enquête et The Fifth Estate, le juge Bocock "
    "avait participé à une soirée cocktail organisée par un cabinet d'avocats lié à l'affaire.\n"
    "Un texte de Frédéric Zalac d'Enquête\n"
    "Jusqu’à la semaine dernière, le juge Randall Bocock gérait la seule cause devant la Cour "
    "de l’impôt concernant le stratagème mis au point par KPMG.\n"
    "Les autorités fiscales ont imposé 6 millions de dollars en pénalités à une famille de "
    "Victoria, les Cooper, qui a fait appel de cette décision devant le tribunal.\n"
    "Vous avez des renseignements à nous faire parvenir sur ce sujet? Vous pouvez joindre "
    "Frédéric Zalac par courriel à frederic.zalac@radio-canada.ca ou par téléphone au "
    "604 662-6882.\n"
    "Apparence de justice"
)
PARIS8 = (  # bondyblog.fr
    "A l’université Paris-8 de Saint-Denis, des centaines d’étudiants, enseignants et "
    "personnels sont en grève depuis plusieurs semaines pour protester contre les projets de "
    "réformes du gouvernement. Ils espèrent faire franchir un nouveau cap à leur mobilisation "
    "à compter du 5 mars.\n"
    "Crédit photo : KB / Bondy Blog\n"
    "*Le prénom a été modifié"
)
RENSEIGNEMENT = (  # lemonde.fr, 4 May 2015
    "Les députés ont, sans surprise, adopté à une large majorité (438 contre 86 et 42 "
    "abstentions) le projet de loi sur le renseignement défendu par le gouvernement lors d’un "
    "vote solennel, mardi 5 mai. Il sera désormais examiné par le Sénat, puis le Conseil "
    "constitutionnel, prochainement saisi par 75 députés.\n"
    "Revivez le direct du vote à l’Assemblée avec vos questions.\n"
    "Lire aussi : Les critiques de la CNIL contre le projet de loi sur le renseignement\n"
    "La CNIL soulève notamment que l’anonymat de ces données est très relatif, puisqu’il peut "
    "être levé."
)
AOC = (  # aoc.media, with its paywall
    "Pour le néolibéralisme, la retraite ne peut être qu’un archaïsme, une sorte de déviance "
    "inadaptée, qui nous fait prendre du retard dans la compétition mondiale.\n"
    "Pour lire la suite \net accéder gratuitement à 3 articles par mois,\ncréez votre compte\n"
    "Profitez de notre Offre découverte."
)
CIARAN = (  # leparisien.fr, 2 November 2023
    "La tempête Ciaran s’abat sur la France depuis jeudi soir. Plusieurs rafales records ont "
    "déjà été mesurées, notamment dans le département du Finistère, avec des pics à plus de "
    "150 km/h.\n"
    "Un vent à décorner les vaches bretonnes ! Sur l’île de Batz, en face de la commune de "
    "Roscoff dans le Finistère, des rafales ont été mesurées cette nuit à 195 km/h.\n"
    "Au total, ce sont dix-neuf villes qui ont vu leurs compteurs météorologiques s’affoler "
    "dans la nuit de jeudi à vendredi.\n"
    "Mais le vent a quand même soufflé fort ailleurs sur le territoire : 107 km/h à "
    "Châlons-en-Champagne dans la Marne, 100 km/h à Lille dans le Nord."
)


@pytest.fixture(scope="module")
def pipeline():
    # The summary needs no statistical pipe: a blank French pipeline is enough.
    assert summary.REQUIRES == ()
    nlp = spacy.blank("fr")
    nlp.add_pipe("retombees_summary")
    return nlp


def summarize(pipeline, text: str, **context) -> str:
    doc = pipeline.make_doc(text)
    doc._.retombees_context = context
    return pipeline(doc)._.retombees_summary


def test_the_lead_in_its_original_order_without_byline_nor_contact_lines(pipeline):
    result = summarize(pipeline, KPMG, title=KPMG_TITLE)
    assert result.startswith("Un juge de la Cour de l'impôt se récuse d'un dossier")
    assert "Un texte de Frédéric Zalac" not in result
    assert "courriel" not in result and "Vous avez des renseignements" not in result
    assert "Affaire KPMG : un juge se récuse" not in result  # the title is not repeated
    assert "Apparence de justice" not in result  # nor a heading
    positions = [KPMG.index(s) for s in split_text(result)]
    assert positions == sorted(positions)


def split_text(result: str) -> list[str]:
    return [result[a:b].strip() for a, b, _ in split_sentences(result)]


def test_photo_credits_and_notes_are_left_out(pipeline):
    result = summarize(pipeline, PARIS8)
    assert "Crédit photo" not in result and "prénom a été modifié" not in result
    assert result.startswith("A l’université Paris-8 de Saint-Denis")


def test_read_also_live_links_and_paywall_lines_are_left_out(pipeline):
    result = summarize(pipeline, RENSEIGNEMENT)
    assert "Lire aussi" not in result and "Revivez" not in result
    assert result.startswith("Les députés ont, sans surprise, adopté")
    paywalled = summarize(pipeline, AOC)
    assert paywalled.startswith("Pour le néolibéralisme, la retraite")
    assert "créez votre compte" not in paywalled and "Offre découverte" not in paywalled


@pytest.mark.parametrize("max_chars", [120, 250, 400])
def test_the_summary_fits_in_max_chars(max_chars):
    nlp = spacy.blank("fr")
    nlp.add_pipe("retombees_summary", config={"max_chars": max_chars})
    for text in (KPMG, RENSEIGNEMENT, CIARAN):
        result = nlp(text)._.retombees_summary
        assert result and len(result) <= max_chars


def test_at_most_three_sentences_and_none_under_six_words(pipeline):
    result = summarize(pipeline, CIARAN)
    sentences = split_text(result)
    assert 2 <= len(sentences) <= 3
    assert "Un vent à décorner les vaches bretonnes !" not in result  # five words
    assert all(len(s.split()) >= 6 for s in sentences)


def test_campaign_terms_bring_their_sentence_in(pipeline):
    assert "Lille" not in summarize(pipeline, CIARAN)
    assert "Lille" in summarize(pipeline, CIARAN, key_terms=["Lille", "Nord"])


def test_an_empty_text_has_an_empty_summary(pipeline):
    assert summarize(pipeline, "") == ""
    assert summarize(pipeline, "Apparence de justice") == ""


def test_sentences_are_not_cut_at_titles_nor_inside_quotes():
    text = (  # lemonde.fr
        "Mais, d’après elle, M. Macron a balayé l’idée. « Là-dessus, notre désaccord est "
        "total. La CGT a des solutions », souligne-t-elle. Fin."
    )
    assert [text[a:b] for a, b, _ in split_sentences(text)] == [
        "Mais, d’après elle, M. Macron a balayé l’idée.",
        " « Là-dessus, notre désaccord est total. La CGT a des solutions », souligne-t-elle.",
        " Fin.",
    ]


def test_a_paragraph_about_the_unesco_inscription_is_not_page_furniture(pipeline):
    text = (
        "À Loos-en-Gohelle, les habitants sont fiers de leur bassin minier depuis longtemps. "
        "L'image du territoire a changé depuis l'inscription au patrimoine mondial de l'Unesco. "
        "Les visiteurs affluent sur les terrils chaque week-end de printemps."
    )
    result = summarize(pipeline, text)
    assert result.startswith("À Loos-en-Gohelle, les habitants sont fiers")
    assert "inscription au patrimoine mondial" in result
