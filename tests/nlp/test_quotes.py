"""Verbatims on a clip's card: the quote, who said it and in what capacity (real French news)."""

import pytest
import spacy

from nlp.components import quotes
from nlp.components.quotes import find_quote_marks, inflect, load_speech_verbs

TEIXEIRA = (  # 20minutes.fr, 2 November 2023
    "Sur le Bassin d’Arcachon, les ostréiculteurs ont déjà pâti de la tempête Céline. "
    "« Notre crainte pour les jours à venir, est de savoir si le banc d’Arguin va continuer "
    "d’avancer, explique Alexandra Teixeira, chargée de communication au Comité Régional de la "
    "Conchyliculture Arcachon Aquitaine. Il y a donc une crainte que le sable continue "
    "d’avancer et recouvre l’ensemble de la production. »"
)
GONNEVILLE = (  # 20minutes.fr, 2 November 2023
    "Au Cap Ferret, les dernières intempéries n’ont pas provoqué de phénomène de submersion "
    "mais ont accéléré l’érosion. « En une semaine, on a perdu deux à trois mètres sur la plage "
    "de l’Horizon, devant le poste de secours, pointe Philippe de Gonneville, le maire de "
    "Lège-Cap-Ferret. C’est préoccupant. »\n"
    "Par précaution, jusqu’à lundi, les plages océanes et la jetée de Grand Picquey sont "
    "fermées. Une décision prise « en rapport avec la présence assez nombreuse de vacanciers, "
    "explique l’élu. Il y a parmi eux des personnes qui ne sont pas habituées à connaître des "
    "coups de vent. »"
)
BINET = (  # lemonde.fr, 30 August 2023
    "Mardi 29 août, en début de soirée, Emmanuel Macron a reçu Sophie Binet, la secrétaire "
    "générale de la CGT. La dirigeante affirme avoir tiré parti de l’invitation de M. Macron "
    "pour lui transmettre plusieurs messages.\n"
    "« Je me suis adressée à lui avec gravité, car la situation dans le pays me paraît très "
    "inquiétante », confie-t-elle. Après la réforme des retraites, que le président de la "
    "République a fait passer en force malgré l’opposition d’une « écrasante » majorité de la "
    "population, « la défiance à l’égard de l’exécutif est profonde », juge Mme Binet. "
    "« Là-dessus, notre désaccord est total, souligne-t-elle. La CGT a des solutions pour "
    "financer la branche vieillesse. »"
)
BELOOUSSOV = (  # lefigaro.fr, 22 November 2024
    "«Nous avons pratiquement fait échouer toute leur campagne pour 2025», a affirmé le "
    "ministre russe de la Défense, Andreï Belooussov, selon une vidéo diffusée par l’armée "
    "russe. Le président russe a confirmé qu’en réponse aux frappes de missiles occidentaux, "
    "la Russie avait tiré un nouveau missile baptisé «Orechnik», qui était dans sa "
    "«configuration dénucléarisée»."
)
LOPEZ = (  # euronews.com, 30 April 2024
    "Pour Javier López, directeur de campagne pour la pêche durable à Oceana, une "
    "organisation de défense de la nature marine, les niveaux critiques des stocks de merlu "
    "étaient alarmants pour les nombreux pêcheurs et communautés côtières.\n"
    '"Atteindre ce rétablissement et avoir actuellement une abondance de merlu du nord dans '
    "l'Atlantique n'est pas un accident\", explique Javier López. \"C'est le résultat d'une "
    'gestion prudente, de mesures de contrôle et de conditions océaniques favorables".'
)
CALDWELL = (  # ledevoir.com
    "C’est ce qu’a annoncé Éric Alan Caldwell, responsable de la mobilité au comité exécutif, "
    "mercredi matin. Éric Alan Caldwell estime que l’expérience a été un échec et que les "
    "entreprises Lime et Bird n’ont pas été en mesure d’encadrer le service efficacement."
)
PESKOV = (  # lefigaro.fr, 22 November 2024
    "La Russie a besoin de migrants, a déclaré le porte-parole du Kremlin, Dmitri Peskov, "
    "dans une interview à l’agence RIA Novosti publiée vendredi. «Les migrants, c’est un "
    "besoin», a affirmé M. Peskov."
)
TUBA = (  # dalloz-actualite.fr
    "De son côté, le ministre, réévaluant sa doctrine, lance l’opération « un tuba pour "
    "intuber » visant à inciter les plagistes à partager leur matériel avec les "
    "anesthésistes-réanimateurs. On se croirait dans un autre monde."
)
LAW = (  # lemonde.fr, 4 May 2015
    "Le projet de loi énonce les domaines que peuvent invoquer les services pour justifier "
    "leur surveillance. Il s’agit notamment de « l’indépendance nationale, de l’intégrité du "
    "territoire et de la défense nationale » et de « la prévention du terrorisme »."
)
NO_QUOTE = (  # leparisien.fr, 2 November 2023
    "La tempête Ciaran s’abat sur la France depuis jeudi soir. Plusieurs rafales records ont "
    "déjà été mesurées, notamment dans le département du Finistère, avec des pics à plus de "
    "150 km/h. Pour les autres villes de France, Ciaran n’est pas encore entré dans les annales."
)


@pytest.fixture(scope="module")
def pipeline():
    # The quotes step runs the statistical pipes it needs, then the component.
    nlp = spacy.load("fr_core_news_sm", exclude=["parser", "attribute_ruler", "lemmatizer"])
    assert set(quotes.REQUIRES) <= set(nlp.pipe_names)
    nlp.add_pipe("retombees_quotes")
    return nlp


def cards(pipeline, text: str) -> list[dict]:
    return pipeline(text)._.retombees_quotes


def test_the_quote_its_speaker_and_role_without_the_marks_nor_the_incise(pipeline):
    (card,) = cards(pipeline, TEIXEIRA)
    assert card["text"] == (
        "Notre crainte pour les jours à venir, est de savoir si le banc d’Arguin va continuer "
        "d’avancer. Il y a donc une crainte que le sable continue d’avancer et recouvre "
        "l’ensemble de la production."
    )
    assert card["speaker"] == "Alexandra Teixeira"
    assert card["role"].startswith("chargée de communication au Comité Régional")
    assert card["kind"] == "direct"


def test_the_role_given_before_the_name(pipeline):
    first = cards(pipeline, BELOOUSSOV)[0]
    assert first["speaker"] == "Andreï Belooussov"
    assert first["role"] == "ministre russe de la Défense"


def test_a_description_is_resolved_to_the_person_named_before(pipeline):
    found = cards(pipeline, GONNEVILLE)
    assert [c["speaker"] for c in found] == ["Philippe de Gonneville"] * 2
    assert found[1]["text"].startswith("en rapport avec la présence assez nombreuse")
    assert found[1]["role"] == "maire de Lège-Cap-Ferret"


def test_pronouns_go_to_the_person_of_the_right_gender(pipeline):
    found = cards(pipeline, BINET)
    assert [c["speaker"] for c in found] == ["Sophie Binet"] * 3
    assert found[0]["role"] == "secrétaire générale de la CGT"
    assert found[2]["text"] == (
        "Là-dessus, notre désaccord est total. La CGT a des solutions pour financer la "
        "branche vieillesse."
    )


def test_scare_quotes_and_names_are_not_verbatims(pipeline):
    found = cards(pipeline, BELOOUSSOV)
    texts = [c["text"] for c in found]
    assert "Orechnik" not in texts and "configuration dénucléarisée" not in texts
    # the sentence holding them is reported speech, its short quotes kept inside
    assert found[1]["kind"] == "reported"
    assert "baptisé Orechnik" in found[1]["text"].replace("«", "").replace("»", "")
    assert "écrasante" not in [c["text"] for c in cards(pipeline, BINET)]
    assert cards(pipeline, TUBA) == []


def test_quoted_text_of_a_law_is_not_a_verbatim(pipeline):
    assert cards(pipeline, LAW) == []


def test_a_text_without_quotes_gives_no_card(pipeline):
    assert cards(pipeline, NO_QUOTE) == []


def test_reported_speech_with_pour_and_the_quote_that_follows_the_attribution(pipeline):
    found = cards(pipeline, LOPEZ)
    assert found[0]["kind"] == "reported"
    assert found[0]["text"].startswith("les niveaux critiques des stocks de merlu")
    assert found[0]["role"] == "directeur de campagne pour la pêche durable à Oceana"
    # the second quote has no attribution of its own: it goes on with the same speaker
    assert [c["speaker"] for c in found] == ["Javier López"] * 3
    assert found[2]["text"].startswith("C'est le résultat d'une gestion prudente")


def test_reported_speech_with_a_speech_verb_and_que(pipeline):
    (card,) = cards(pipeline, CALDWELL)
    assert card["kind"] == "reported"
    assert card["speaker"] == "Éric Alan Caldwell"
    assert card["role"] == "responsable de la mobilité au comité exécutif"
    assert card["text"].startswith("l’expérience a été un échec")


def test_a_surname_is_given_with_the_full_name_from_earlier(pipeline):
    found = cards(pipeline, PESKOV)
    assert found[-1] == {
        "text": "Les migrants, c’est un besoin",
        "speaker": "Dmitri Peskov",
        "role": "porte-parole du Kremlin",
        "kind": "direct",
    }


def test_min_words_is_configurable():
    nlp = spacy.load("fr_core_news_sm", exclude=["parser", "attribute_ruler", "lemmatizer"])
    nlp.add_pipe("retombees_quotes", config={"min_words": 2})
    text = (  # francais.radio.cz
        "Le Premier ministre Andrej Babiš s’est exprimé sur l’incident. « Un choc », a-t-il "
        "déclaré vendredi."
    )
    (card,) = nlp(text)._.retombees_quotes
    assert (card["text"], card["speaker"]) == ("Un choc", "Andrej Babiš")


def test_quote_marks_nest_and_close_with_their_paragraph():
    text = "« Il a dit “non” tout net », ajoute-t-il.\n« Une phrase restée ouverte\nSuite."
    spans = find_quote_marks(text)
    assert [text[a + 1 : b] for a, b in spans] == [
        " Il a dit “non” tout net ",
        " Une phrase restée ouverte",
    ]


def test_speech_verbs_are_matched_in_their_inflections(tmp_path):
    assert {"rappelle", "rappelait", "rappelant"} <= inflect("rappeler")
    assert {"révèle", "révélé"} <= inflect("révéler")
    assert {"avertit", "averti"} <= inflect("avertir")
    with pytest.raises(ValueError, match="list its forms"):
        inflect("dire")
    custom = tmp_path / "verbs.txt"
    custom.write_text("# test\ntonner\nfaire savoir: fait\n", encoding="utf-8")
    verbs = load_speech_verbs(str(custom))
    assert verbs.match(["tonne"], 0) == 1
    assert verbs.match(["fait", "savoir", "que"], 0) == 2
    assert verbs.match(["fait", "la"], 0) == 0
