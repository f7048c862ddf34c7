"""Medium decisions and the reason kept with each."""

import pytest

from nlp.pipeline import ClipInput, analyze

TEXT = "Le bassin minier du Nord-Pas-de-Calais fête ses dix ans au patrimoine mondial."


@pytest.mark.parametrize(
    ("context", "medium", "reason"),
    [
        (
            {"outlet_name": "Office", "outlet_medium": "web", "is_partner": True},
            "partner",
            "partner",
        ),
        (
            {"outlet_name": "La Voix du Nord", "outlet_medium": "press"},
            "press",
            "registered as press",
        ),
        ({"outlet_name": "France 3", "outlet_medium": "tv"}, "tv", "registered as tv"),
        ({"source_kind": "podcast"}, "radio", "podcast feed"),
        ({"source_kind": "video"}, "tv", "video feed"),
        ({"medium_hints": {"video": True}}, "tv", "video"),
        ({"medium_hints": {"audio": True}}, "radio", "audio"),
        ({}, "web", "no print or broadcast evidence"),
    ],
)
def test_medium_follows_registry_then_source_then_metadata(nlp, context, medium, reason):
    (result,) = analyze(nlp, [ClipInput(1, TEXT, context=context)])
    assert result.medium == medium
    assert reason in result.medium_reason


def test_broadcast_cues_in_the_text_decide_for_an_unknown_outlet(nlp):
    text = (
        "Un reportage diffusé dans le JT de 19h montre le 9-9bis d'Oignies, "
        "vu par les téléspectateurs de la région."
    )
    (result,) = analyze(nlp, [ClipInput(1, text)])
    assert result.medium == "tv"
    assert "reportage diffusé" in result.medium_reason


def test_one_cue_alone_is_not_enough(nlp):
    (result,) = analyze(nlp, [ClipInput(1, "Écoutez notre podcast sur le terril de Loos.")])
    assert result.medium == "web"
