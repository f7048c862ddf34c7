"""Medium decisions and the reason kept with each."""

import json

import pytest

from nlp.components.medium import load_media
from nlp.pipeline import ClipInput, analyze

TEXT = "Le bassin minier du Nord-Pas-de-Calais fête ses dix ans au patrimoine mondial."


def run(nlp, text: str = TEXT, **context):
    (result,) = analyze(nlp, [ClipInput(1, text, context=context)])
    return result


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
    result = run(nlp, **context)
    assert result.medium == medium
    assert reason in result.medium_reason


@pytest.mark.parametrize(
    ("url", "medium", "reason"),
    [
        (
            "https://france3-regions.francetvinfo.fr/hauts-de-france/pas-calais/bruay-buissiere/"
            "video-inauguration-cite-electriciens-1671713.html",
            "tv",
            "France 3",
        ),
        ("https://www.tf1.fr/tf1/jt-13h/videos/le-passe-minier-en-heritage.html", "tv", "TF1"),
        ("https://l.francebleu.fr/infos/economie-social/la-mine-de-la-houve", "radio", "Bleu"),
        ("https://rts.ch/la-1ere/11288432-gardanne-comment-faire-rimer.html", "radio", "La 1ère"),
        ("https://www.rts.ch/info/regions/12345-un-sujet.html", "tv", "RTS"),
        ("https://www.lavoixdunord.fr/123/article/lens", "press", "in the outlet registry"),
        ("https://www.lafranceagricole.fr/magazine/article/772256", "press", "La France agricole"),
        ("https://www.mediacites.fr/decryptage/lille/2022/05/12/", "web", "Mediacités"),
        ("https://castbox.fm/channel/Hors-Texte-id5894232", "radio", "audio platform"),
        ("https://actu.orange.fr/videos/france/les-gueules-noires", "tv", "/videos/"),
        ("https://exemple.org/podcasts/la-mine", "radio", "/podcasts/"),
    ],
)
def test_the_address_tells_the_medium_of_an_unknown_outlet(nlp, url, medium, reason):
    result = run(nlp, url=url)
    assert (result.medium, reason in result.medium_reason) == (medium, True)


def test_a_video_platform_carries_tv_unless_the_text_is_a_radio_show(nlp):
    assert run(nlp, url="https://www.youtube.com/watch?v=abc").medium == "tv"
    # dailymotion.com: the ICI matin radio show simulcast on France 3
    text = (
        "Retrouvez toutes les émissions de France Bleu Nord sur le site www.francebleu.fr/nord. "
        "Ici, c'est France Bleu Nord, à la radio, sur l'appli Ici, tous les réseaux et sur "
        "France 3."
    )
    result = run(nlp, text, url="https://www-dc3.dailymotion.com/video/x8vzars")
    assert result.medium == "radio" and "video platform" in result.medium_reason


def test_the_registry_and_the_source_come_before_the_address(nlp):
    url = "https://www.francebleu.fr/infos/societe/documentaire"
    registered = run(nlp, url=url, outlet_name="Le Courrier", outlet_medium="press")
    assert registered.medium == "press"
    assert run(nlp, url="https://www.lavoixdunord.fr/podcast/1", source_kind="podcast").medium == (
        "radio"
    )


def test_a_reviewed_web_outlet_is_web_an_unreviewed_one_yields_to_evidence(nlp):
    text = "Un reportage diffusé dans le JT de 19h, vu par les téléspectateurs."
    reviewed = run(nlp, text, outlet_name="Blog", outlet_medium="web", outlet_needs_review=False)
    assert reviewed.medium == "web" and "registered as web" in reviewed.medium_reason
    assert run(nlp, text, outlet_name="Nouveau", outlet_medium="web").medium == "tv"


def test_broadcast_cues_in_the_text_decide_for_an_unknown_outlet(nlp):
    text = (
        "Un reportage diffusé dans le JT de 19h montre le 9-9bis d'Oignies, "
        "vu par les téléspectateurs de la région."
    )
    result = run(nlp, text)
    assert result.medium == "tv"
    assert "reportage diffusé" in result.medium_reason


def test_generic_broadcast_words_back_a_medium_but_do_not_decide_alone(nlp):
    # mediatheque.macon.fr, a catalogue page of a Radio France programme
    podcast = (
        "Podcast. Série : Au fond de la mine (Episode 1 sur 4). Diffusé le lundi, 27 mars 2023 "
        "(57 min). Provient de l'émission LSD, la série documentaire."
    )
    result = run(nlp, podcast)
    assert result.medium == "radio" and "podcast" in result.medium_reason
    assert run(nlp, "L'émission de ce soir : épisode 3, diffusé le lundi.").medium == "web"


def test_one_cue_alone_is_not_enough(nlp):
    assert run(nlp, "Écoutez notre podcast sur le terril de Loos.").medium == "web"


def test_media_data_with_an_unknown_medium_is_refused(tmp_path):
    (tmp_path / "domains.json").write_text(
        json.dumps({"patterns": [{"domain": "x.fr", "medium": "cinema", "name": "X"}]}),
        encoding="utf-8",
    )
    (tmp_path / "cues.json").write_text(json.dumps({"tv": []}), encoding="utf-8")
    with pytest.raises(ValueError, match="unknown medium cinema"):
        load_media(str(tmp_path))
