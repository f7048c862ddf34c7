"""Territory relevance on real sentences (excerpts of public French pages)."""

import pytest

from nlp.pipeline import ClipInput, analyze

NPDC = [
    # francetvinfo.fr, 30 June 2012
    "L'Unesco a inscrit samedi 30 juin le bassin minier du Nord-Pas-de-Calais au Patrimoine "
    "mondial lors d'une réunion à Saint-Pétersbourg.",
    # Never says "bassin minier": the places carry it.
    "À Loos-en-Gohelle, les terrils jumeaux dominent la plaine ; le Louvre-Lens attire "
    "des visiteurs de toute l'Europe.",
]
OTHER = [
    "Le carreau Wendel, à Petite-Rosselle, raconte l'histoire du bassin minier lorrain et "
    "des gueules noires de Moselle.",
    "À Alès, le bassin minier des Cévennes se souvient de la dernière mine fermée en 2001.",
]


@pytest.mark.parametrize("text", NPDC)
def test_texts_about_the_npdc_basin_are_relevant(nlp, text):
    (result,) = analyze(nlp, [ClipInput(1, text)])
    assert result.relevant and result.relevance >= 0.5
    assert any(e["kind"] == "territory" for e in result.evidence)


@pytest.mark.parametrize("text", OTHER)
def test_other_basins_are_not_relevant_and_say_why(nlp, text):
    (result,) = analyze(nlp, [ClipInput(1, text)])
    assert not result.relevant
    assert any(e["kind"] == "other basin" for e in result.evidence)


def test_place_names_match_without_accents(nlp):
    (result,) = analyze(nlp, [ClipInput(1, "Visite de la cite de Lievin et du terril.")])
    assert "Liévin" in {e["term"] for e in result.evidence}


def test_lower_case_common_words_are_not_place_names(nlp):
    (result,) = analyze(nlp, [ClipInput(1, "Un avion a survolé la plaine du nord.")])
    assert result.evidence == [] and not result.relevant


def test_unknown_territory_is_a_clear_error(nlp):
    with pytest.raises(ValueError, match="unknown territory 'atlantide'"):
        list(analyze(nlp, [ClipInput(1, "texte", context={"territory": "atlantide"})]))
