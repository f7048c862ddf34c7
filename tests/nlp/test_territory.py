"""Territory relevance on real sentences (excerpts of public French pages, source above each)."""

import json

import pytest
import spacy

from nlp.components.territory import TERRITORIES_DIR, load_territories, read_territory
from nlp.pipeline import ClipInput, analyze

NPDC = [
    # francetvinfo.fr, 30 June 2012
    "L'Unesco a inscrit samedi 30 juin le bassin minier du Nord-Pas-de-Calais au Patrimoine "
    "mondial lors d'une réunion à Saint-Pétersbourg.",
    # Never says "bassin minier": the places carry it.
    "À Loos-en-Gohelle, les terrils jumeaux dominent la plaine ; le Louvre-Lens attire "
    "des visiteurs de toute l'Europe.",
    # tourisme-lenslievin.fr: sites only
    "Vous distinguez aisément la base du 11/19 et le stade Bollaert-Delelis, il vous faudra plus "
    "d’attention pour repérer le Louvre-Lens et son architecture horizontale qui se fond dans le "
    "paysage.",
    # humanite.fr, 16 September 2023: a commune and the mining companies
    "Alors que j’étais un peu perdu, dans ces promenades, à Hénin-Beaumont, je vois un monsieur "
    "devant sa maison de cité minière. Jean Dubois me conduit sur les traces des Compagnies des "
    "mines de Drocourt et de Dourges, sur celles de la cokerie.",
    # bassinminierattractif.fr: institutions only
    "Dans un premier temps, 35 cités sont concernées par l’ ERBM, dont 29 appartiennent à "
    "Maisons & Cités.",
]
OTHER = [
    "Le carreau Wendel, à Petite-Rosselle, raconte l'histoire du bassin minier lorrain et "
    "des gueules noires de Moselle.",
    "À Alès, le bassin minier des Cévennes se souvient de la dernière mine fermée en 2001.",
    # ecomusee-creusot-montceau.fr: says "bassin minier", is about Burgundy
    "Le bassin minier de Blanzy, Montceau a été le témoin de l’exploitation et de l’extraction de "
    "la houille depuis le XVIe siècle.",
    # goodcopbadcop21.org: names the Nord and the Pas-de-Calais, is about the South
    "Quand on parle des mines de charbon, on pense tout de suite à l’enfer du Nord. Les puits du "
    "Pas-de-Calais, les Gueules Noires de Lorraine, ces régions froides qui servirent de décor au "
    "célèbre Germinal d’Emile Zola. Pourtant, du charbon, il y en avait aussi dans le Sud de la "
    "France. Le plus gros bassin minier du Midi, c’était les Cévennes.",
    # bassin-minier-regis.jimdo.com: the Nord is named, the basin is the Tarn's
    "A la fin du XIXe siècle, une grève marqua l’histoire du bassin minier du Tarn. Un an plus "
    "tôt le 1er mai 1891 à Fourmies dans le département du Nord, la troupe tua 9 personnes.",
]


def run(nlp, text: str, **context):
    (result,) = analyze(nlp, [ClipInput(1, text, context=context)])
    return result


def terms(result, kind: str) -> set[str]:
    return {e["term"] for e in result.evidence if e["kind"] == kind}


@pytest.mark.parametrize("text", NPDC)
def test_texts_about_the_npdc_basin_are_relevant(nlp, text):
    result = run(nlp, text)
    assert result.relevant and result.relevance >= 0.5
    assert any(e["kind"] == "territory" for e in result.evidence)


@pytest.mark.parametrize("text", OTHER)
def test_other_basins_are_not_relevant_and_say_why(nlp, text):
    result = run(nlp, text)
    assert not result.relevant
    assert any(e["kind"] == "other basin" and e["basin"] for e in result.evidence)


def test_evidence_names_the_kind_of_each_term_and_the_other_basin(nlp):
    result = run(nlp, OTHER[2])
    other = {e["term"]: e for e in result.evidence if e["kind"] == "other basin"}
    assert other["bassin minier de Blanzy"]["category"] == "basin"
    assert other["bassin minier de Blanzy"]["basin"] == "Bassin minier de Blanzy-Montceau"
    assert other["bassin minier de Blanzy"]["weight"] < 0
    landmark = run(nlp, NPDC[2]).evidence[0]
    assert landmark["category"] == "landmark" and landmark["weight"] > 0


def test_place_names_match_without_accents(nlp):
    result = run(nlp, "Visite de la cite de Lievin et du terril.")
    assert "Liévin" in terms(result, "territory")


def test_hyphens_spaces_and_capitals_are_normalised(nlp):
    # museedupatrimoine.fr writes with non-breaking hyphens (U+2011)
    text = (
        "L'ancien site minier de Wallers‑Arenberg, charbonnage du bassin minier du "
        "Nord‑Pas‑de‑Calais"
    )
    assert {"Wallers-Arenberg", "bassin minier du Nord-Pas-de-Calais"} <= terms(
        run(nlp, text), "territory"
    )
    # village.herlies.free.fr: "Loos en Gohelle" without hyphens; mineurdefond.fr: "LENS"
    assert "Loos-en-Gohelle" in terms(run(nlp, "covoiturage Herlies-Loos en Gohelle"), "territory")
    result = run(nlp, "la conférence-débat a eu lieu à la Faculté Jean Perrin de LENS le 18 juin")
    assert "Lens" in terms(result, "territory")


def test_lower_case_common_words_are_not_place_names(nlp):
    result = run(nlp, "Un avion a survolé la plaine du nord.")
    assert result.evidence == [] and not result.relevant


def test_an_ambiguous_name_counts_only_as_a_place(nlp):
    # "Avion" opening a sentence with nothing else of the basin: the word, not the town
    assert "Avion" not in terms(
        run(nlp, "Avion de tourisme : le salon ouvre ses portes."), "territory"
    )
    # "à Avion", or beside another name of the basin, it is the town
    assert "Avion" in terms(run(nlp, "Une cité minière rénovée à Avion."), "territory")
    # francetvinfo.fr, 30 June 2012
    text = (
        "Situées sur la commune d'Avion, près de Lens (Pas-de-Calais), « les crêtes de "
        "Pinchonvalles » constituent le terril le plus long d'Europe."
    )
    assert {"Avion", "Lens", "Pinchonvalles"} <= terms(run(nlp, text), "territory")


def test_names_inside_other_names_are_not_the_place(nlp):
    assert terms(run(nlp, "La mine de Condé-sur-Noireau, dans le Calvados."), "territory") == set()
    assert terms(run(nlp, "Condé Nast publie un reportage sur les mines."), "territory") == set()
    assert "Condé-sur-l'Escaut" in terms(run(nlp, "Les corons de Condé-sur-l’Escaut"), "territory")
    assert (
        terms(run(nlp, "Un parc éolien en mer du Nord remplace le charbon."), "territory") == set()
    )
    assert terms(run(nlp, "Google Lens reconnaît un chevalement de mine."), "territory") == set()


def test_a_football_match_in_lens_is_not_about_the_basin(nlp):
    # butfootballclub.fr: the club is context, not the city
    result = run(
        nlp,
        "En s’imposant à Marseille mercredi contre l’OM en match en retard de la 9e journée de "
        "L1 (1-0), le RC Lens a réalisé un exploit rarissime pour un promu.",
    )
    assert not result.relevant
    assert terms(result, "context") == {"RC Lens"} and terms(result, "territory") == set()


def test_a_lone_town_name_without_mining_is_not_enough(nlp):
    # hls-dhs-dss.ch: Lens in the Swiss Valais
    text = "Lens. Comm. VS, distr. de Sierre, sur la rive droite du Rhône."
    assert not run(nlp, text).relevant


def test_the_region_counts_only_with_mining_words(nlp):
    # petitfute.com: the region, not the basin
    tourism = (
        "La Côte d'Opale rassemble d'immenses plages et l'aquarium Nausicaá qui reste le site le "
        "plus visité de la région Nord-Pas-de-Calais."
    )
    assert not run(nlp, tourism).relevant and terms(run(nlp, tourism), "territory") == set()
    # lhistgeobox.blogspot.com, about Pierre Bachelet's "Les corons"
    mining = (
        "Les corons sont encore là mais les mineurs de fond ne sortent plus de charbon du "
        "sous-sol du Nord et du Pas de Calais."
    )
    assert run(nlp, mining).relevant


def test_repeated_mentions_weigh_more(nlp):
    once = run(nlp, "Le terril de Liévin.").evidence[0]["weight"]
    thrice = run(nlp, "Le terril de Liévin. Liévin se souvient. Liévin reconstruit.").evidence[0]
    assert thrice["count"] == 3 and thrice["weight"] > once


def test_unknown_territory_is_a_clear_error(nlp):
    with pytest.raises(ValueError, match="unknown territory 'atlantide'"):
        list(analyze(nlp, [ClipInput(1, "texte", context={"territory": "atlantide"})]))


def test_the_bundled_gazetteer_covers_the_five_major_sites_and_the_communes():
    territory = load_territories()["bassin-minier-npdc"]
    for site in (
        "base 11/19",
        "9-9bis",
        "Cité des Électriciens",
        "fosse Delloye",
        "Wallers-Arenberg",
    ):
        assert territory.assess(f"Visite de {site}.").score >= 0.5, site
    data = json.loads((TERRITORIES_DIR / "bassin-minier-npdc.json").read_text(encoding="utf-8"))
    communes = data["evidence"]["commune"] + data["evidence"]["commune_periphery"]
    assert len(communes) >= 250


# -- one file per territory ------------------------------------------------------------------


def write(path, data: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")


WEIGHTS = {"commune": 1.5, "landmark": 3.0, "region": 1.0}
LORRAINE = {
    "name": "Bassin houiller lorrain (test)",
    "weights": WEIGHTS,
    "context_only": ["region"],
    "evidence": {"commune": ["Forbach", "Petite-Rosselle"], "landmark": ["Carreau Wendel"]},
    "counter": ["basins/nord.json"],
    "topic": ["mine", "charbon", "gueules noires"],
}
NORD_AS_COUNTER = {"name": "Bassin du Nord (test)", "evidence": {"commune": ["Lens", "Liévin"]}}
NPDC_TINY = {
    "name": "Bassin minier du Nord (test)",
    "weights": WEIGHTS,
    "evidence": {"commune": ["Lens", "Liévin"], "landmark": ["Louvre-Lens"]},
    "topic": ["mine"],
}
# lagazettedescommunes.com
WENDEL = (
    "Un musée de la mine du Carreau Wendel, inauguré le 20 octobre à Petite-Rosselle (Moselle), "
    "propose une saisissante reconstitution du fond."
)


@pytest.fixture
def two_territories(tmp_path):
    write(tmp_path / "lorraine.json", LORRAINE)
    write(tmp_path / "basins" / "nord.json", NORD_AS_COUNTER)
    write(tmp_path / "nord.json", NPDC_TINY)
    nlp = spacy.blank("fr")
    nlp.add_pipe(
        "retombees_territory",
        config={
            "territories": {"@misc": "retombees.territories.v1", "path": str(tmp_path)},
            "default": "lorraine",
        },
    )
    return nlp


def test_a_second_territory_is_a_data_file_and_the_campaign_picks_it(two_territories):
    nlp = two_territories
    doc = nlp.make_doc(WENDEL)
    doc._.retombees_context = {}
    assert nlp(doc)._.retombees_relevant  # the default territory: Lorraine
    doc = nlp.make_doc(WENDEL)
    doc._.retombees_context = {"territory": "nord"}
    assert not nlp(doc)._.retombees_relevant
    doc = nlp.make_doc("La mine de Lens et le Louvre-Lens.")
    doc._.retombees_context = {}
    done = nlp(doc)
    assert not done._.retombees_relevant
    assert {
        e["basin"] for e in done._.retombees_territory_evidence if e["kind"] == "other basin"
    } == {"Bassin du Nord (test)"}


def test_invalid_territory_files_are_refused_with_a_reason(tmp_path):
    write(tmp_path / "bad.json", {**NPDC_TINY, "evidence": {"village": ["Lens"]}})
    with pytest.raises(ValueError, match="unknown kind 'village'"):
        read_territory(tmp_path / "bad.json")
    write(tmp_path / "typo.json", {**NPDC_TINY, "ambiguous": ["Lenz"]})
    with pytest.raises(ValueError, match="ambiguous names that are not terms: Lenz"):
        read_territory(tmp_path / "typo.json")
    write(tmp_path / "basins" / "same.json", {"name": "Autre", "evidence": {"commune": ["Lens"]}})
    write(tmp_path / "twice.json", {**NPDC_TINY, "counter": ["basins/same.json"]})
    with pytest.raises(ValueError, match="'Lens' .* is already 'Lens'"):
        read_territory(tmp_path / "twice.json")
    with pytest.raises(ValueError, match="no territory file"):
        load_territories(str(tmp_path / "basins" / "empty"))
