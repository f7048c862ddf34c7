"""Duplicates and syndication: title keys, text signatures, stories of copies."""

from __future__ import annotations

import itertools
import statistics
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from models import Coverage, Medium, Outlet, Story, utcnow
from models.db import open_database
from models.dedup import (
    MIN_WORDS,
    SIGNATURE_BYTES,
    STORY_DAYS,
    STORY_THRESHOLD,
    StoryIndex,
    assign_story,
    distinct_texts,
    find_same_title,
    lsh_params,
    signature,
    similarity,
    title_key,
)

# -- A wire dispatch, its copies in ten outlets, and other articles on the same theme --------

DISPATCH = [
    "Le Bassin minier du Nord-Pas-de-Calais va bénéficier d'une enveloppe de 100 millions "
    "d'euros supplémentaires pour achever la rénovation de ses cités minières d'ici 2032, a "
    "annoncé mercredi le gouvernement lors d'un déplacement à Liévin (Pas-de-Calais).",
    "Ce financement, qui s'ajoute aux 500 millions d'euros déjà engagés depuis 2017 dans le "
    "cadre de l'Engagement pour le renouveau du bassin minier (ERBM), doit permettre de rénover "
    "environ 4 000 logements supplémentaires, pour la plupart construits entre les années 1920 "
    "et 1950 par les anciennes compagnies houillères.",
    "« Ces maisons font partie de notre histoire, elles ne doivent plus être des passoires "
    "thermiques », a déclaré la ministre du Logement devant les habitants de la cité du 9, où "
    "une centaine de maisons ont déjà été isolées et dotées de nouveaux systèmes de chauffage.",
    "Inscrit depuis 2012 au patrimoine mondial de l'Unesco au titre de « paysage culturel "
    "évolutif vivant », le Bassin minier s'étend sur 120 kilomètres entre Béthune et "
    "Valenciennes. Il compte 353 éléments protégés, dont des terrils, des chevalements, des "
    "fosses et 124 cités ouvrières.",
    "Les bailleurs sociaux, qui possèdent l'essentiel de ce parc de quelque 70 000 logements, "
    "saluent une décision attendue mais jugent le calendrier serré. « Le coût des travaux a "
    "augmenté de près de 30 % en trois ans, et les entreprises du bâtiment peinent à recruter "
    "», souligne le directeur général de Maisons & Cités, principal bailleur du territoire.",
    "Le président de la Mission Bassin minier, chargée de veiller au respect de l'inscription "
    "à l'Unesco, a pour sa part rappelé que les rénovations devaient préserver l'architecture "
    "d'origine : briques, toitures, menuiseries et jardins ouvriers.",
    "Selon l'Insee, le taux de pauvreté dans l'ancien bassin houiller reste supérieur de six "
    "points à la moyenne nationale, et le chômage y dépasse 11 % dans plusieurs communes, dont "
    "Lens, Liévin et Hénin-Beaumont.",
    "Le dernier puits de charbon de la région, à Oignies, a fermé en décembre 1990, mettant "
    "fin à près de trois siècles d'exploitation minière.",
]


def _edit(paragraphs: list[str], *replacements: tuple[str, str]) -> list[str]:
    """Apply a desk's light edits (each replacement must apply somewhere)."""
    text = "\n\n".join(paragraphs)
    for old, new in replacements:
        assert old in text, old
        text = text.replace(old, new)
    return text.split("\n\n")


# Each outlet runs the dispatch with its own intro, outro, cuts and light edits, as desks do.
COPIES: dict[str, str] = {
    "La Voix du Nord": "\n\n".join(
        [
            "C'est une annonce attendue depuis des mois dans les cités minières de l'Artois, "
            "où les habitants se plaignent de factures de chauffage toujours plus lourdes.",
            *DISPATCH,
            "Avec AFP",
        ]
    ),
    "Nord Éclair": "\n\n".join(
        [
            "LIÉVIN (AFP) - " + DISPATCH[0],
            *DISPATCH[1:],
            "À lire aussi : à Loos-en-Gohelle, les terrils jumeaux rouvrent au public.",
        ]
    ),
    "L'Avenir de l'Artois": "\n\n".join(
        _edit(
            DISPATCH,
            ("« ", '"'),
            (" »", '"'),
            ("d'euros", "d’euros"),
            ("l'Unesco", "l’Unesco"),
            ("4 000", "4000"),
            ("70 000", "70.000"),
        )
    ),
    "Horizons Nord": "\n\n".join(
        [
            *DISPATCH[:5],
            "Cet article est réservé aux abonnés. Profitez de notre offre découverte : 1 € "
            "le premier mois, sans engagement, pour lire la suite.",
        ]
    ),
    "L'Écho du Bassin": "\n\n".join(
        _edit(
            [*DISPATCH[:4], DISPATCH[6], DISPATCH[4], DISPATCH[5], DISPATCH[7]],
            ("a annoncé mercredi", "a annoncé ce mercredi 12 mars"),
            ("a déclaré la ministre", "a insisté la ministre"),
        )
    ),
    "Gohelle Infos": "\n\n".join(
        [
            *DISPATCH,
            "Contacté par notre rédaction, le maire de Liévin s'est félicité d'une « bonne "
            "nouvelle pour les familles » et a demandé que les entreprises locales soient "
            "associées aux chantiers, qui pourraient débuter dès l'automne dans les cités "
            "Saint-Amé et du 5.",
        ]
    ),
    "Radio Gohelle": "\n\n".join(
        _edit(
            DISPATCH[:7],
            ("a annoncé mercredi le gouvernement", "a annoncé le gouvernement mercredi"),
            ("a déclaré la ministre du Logement", "a affirmé la ministre chargée du Logement"),
            ("souligne le directeur général", "explique le directeur général"),
        )
    ),
    "Artois Actu": "\n\n".join(
        [
            DISPATCH[0],
            DISPATCH[1],
            "Un patrimoine classé",
            *DISPATCH[2:4],
            "Des bailleurs inquiets pour le calendrier",
            *DISPATCH[4:],
            "Recevez chaque matin l'essentiel de l'actualité du Pas-de-Calais : inscrivez-vous "
            "gratuitement à notre newsletter.",
        ]
    ),
    "Télé Hauts": "\n\n".join(
        [
            "Publié le 12/03/2025 à 14h05, mis à jour à 15h20. Partager sur Facebook. Partager "
            "sur X. Copier le lien.",
            *_edit(DISPATCH, ("environ 4 000 logements", "près de 4 000 logements")),
            "Par la rédaction avec AFP.",
        ]
    ),
    "Lens Matin": "\n\n".join(
        [
            "Cent millions d'euros de plus pour les corons : la promesse a été faite à la cité "
            "du 9, devant une centaine d'habitants venus écouter la ministre.",
            *_edit(DISPATCH[1:], ("a déclaré la ministre du Logement", "a lancé la ministre")),
        ]
    ),
}

# Different articles on the same theme, with the same places, bodies and background.
SAME_THEME = {
    # A report from a renovated street: Liévin, the cité du 9, Maisons & Cités, the ERBM.
    "reportage": "\n\n".join(
        [
            "Dans la cité du 9, à Liévin, Martine et Gérard ont vu arriver les échafaudages "
            "au printemps. Leur maison de briques, construite en 1926 par la compagnie des "
            "mines de Liévin, a été isolée par l'extérieur et équipée d'une pompe à chaleur.",
            "« L'hiver dernier, on chauffait une seule pièce pour ne pas dépasser le budget. "
            "Cette année, la facture a baissé de moitié », raconte Martine, ancienne "
            "employée de la cantine de la fosse, qui habite le quartier depuis quarante ans.",
            "Maisons & Cités, qui gère la plupart des logements de la rue, a profité des "
            "travaux pour refaire les toitures et remplacer les menuiseries, en gardant les "
            "encadrements de briques exigés par les architectes des bâtiments de France.",
            "Les voisins n'ont pas tous eu cette chance. De l'autre côté de la place, une "
            "vingtaine de maisons attendent encore leur tour, faute de crédits de "
            "l'Engagement pour le renouveau du bassin minier.",
            "Pendant six mois, les habitants ont vécu au rythme des chantiers. Une maison "
            "témoin, ouverte le samedi, leur permettait de choisir les couleurs des portes et "
            "de poser leurs questions aux compagnons du bâtiment.",
            "Le soir, Gérard montre avec fierté le jardin ouvrier qu'il cultive derrière la "
            "maison, comme son père mineur avant lui. « Les murs ont changé, mais la cité "
            "reste la cité », sourit-il en refermant le portillon.",
        ]
    ),
    # An Unesco anniversary piece: the same listing, places and figures, other content.
    "anniversaire": "\n\n".join(
        [
            "Il y a treize ans, le 30 juin 2012, le Bassin minier du Nord-Pas-de-Calais "
            "entrait au patrimoine mondial de l'Unesco. Depuis, les terrils de "
            "Loos-en-Gohelle, la fosse 9-9 bis d'Oignies et le Louvre-Lens attirent des "
            "visiteurs venus de toute l'Europe.",
            "La Mission Bassin minier organise ce week-end des visites guidées gratuites, de "
            "Béthune à Valenciennes, pour fêter cet anniversaire : montée des terrils "
            "jumeaux, parcours dans les cités jardins, concerts sous les chevalements.",
            "Les guides, souvent fils ou petits-fils de mineurs, racontent la vie des "
            "corons, les grèves de 1948, la catastrophe de Courrières et la fermeture du "
            "dernier puits à Oignies en 1990.",
            "Les offices de tourisme de Lens-Liévin et d'Hénin-Carvin constatent une "
            "hausse de la fréquentation de 15 % sur un an, portée par les randonneurs et "
            "les amateurs d'architecture industrielle.",
            "Les élus voudraient désormais que cette reconnaissance profite davantage à "
            "l'économie locale, avec des hébergements et des restaurants qui manquent "
            "encore autour des sites les plus visités.",
            "Le programme complet des visites est disponible auprès des offices de tourisme "
            "et sur le site de la Mission Bassin minier.",
        ]
    ),
    # The next day's dispatch: a follow-up that reuses the background paragraphs verbatim.
    "suite": "\n\n".join(
        [
            "Les maires du Bassin minier ont réclamé jeudi une accélération des chantiers de "
            "rénovation des cités minières, au lendemain de l'annonce par le gouvernement "
            "d'une enveloppe supplémentaire.",
            "Réunis à Lens, une trentaine d'élus ont demandé que les crédits soient répartis "
            "selon l'état des logements et non selon le calendrier des bailleurs, et que les "
            "habitants soient relogés à proximité pendant les travaux.",
            "« Des familles attendent depuis six ans. Chaque hiver perdu, ce sont des "
            "factures impossibles et des enfants qui grandissent dans l'humidité », a "
            "dénoncé le maire d'Hénin-Beaumont.",
            "Les élus ont également demandé la création d'un guichet unique pour les "
            "propriétaires privés, exclus du dispositif actuel.",
            DISPATCH[3],
            DISPATCH[6],
        ]
    ),
}


def wire_text() -> str:
    return "\n\n".join(DISPATCH)


# -- Title keys -------------------------------------------------------------------------------


def test_title_key_ignores_case_accents_punctuation_and_spacing():
    key = title_key("Liévin : 100 millions d'euros pour les cités minières")
    assert key == title_key("LIEVIN - 100 millions d’euros pour les cités minières !")
    assert key == title_key("  liévin 100 millions d'euros  pour les cites minieres")
    assert len(key) == 64 and int(key, 16) >= 0


def test_title_key_tells_different_titles_apart():
    assert title_key("Lens : la cité du 12 rénovée") != title_key("Lens : la cité du 11 rénovée")


def test_a_title_without_words_has_no_key():
    assert title_key(" — !? ") is None


# -- Signatures -------------------------------------------------------------------------------


def test_signature_is_compact_and_deterministic():
    sig = signature(wire_text())
    assert isinstance(sig, bytes) and len(sig) == SIGNATURE_BYTES == 512
    assert signature(wire_text()) == sig
    # Case, accents and elisions are folded before shingling.
    assert signature(wire_text().upper()) == sig


def test_short_texts_get_no_signature():
    assert signature("Le Bassin minier obtient 100 millions d'euros pour ses cités.") is None
    assert signature(" ".join(["mot"] * (MIN_WORDS - 1))) is None
    assert signature(" ".join(f"mot{i}" for i in range(MIN_WORDS))) is not None


def test_similarity_estimates_jaccard():
    sig = signature(wire_text())
    assert similarity(sig, sig) == 1.0
    assert similarity(sig, signature(SAME_THEME["reportage"])) < 0.05


def test_similarity_refuses_what_is_not_a_signature():
    with pytest.raises(ValueError):
        similarity(signature(wire_text()), b"\x00" * 1024)


def test_threshold_separates_copies_from_articles_on_the_same_theme():
    """The evidence for STORY_THRESHOLD (figures in docs/duplicates.md)."""
    copies = {name: signature(text) for name, text in COPIES.items()}
    pairs = [similarity(a, b) for a, b in itertools.combinations(copies.values(), 2)]
    assert min(pairs) >= STORY_THRESHOLD
    assert statistics.median(pairs) >= 0.7
    # Every copy, even the truncated one, is close to another one.
    for name, sig in copies.items():
        best = max(similarity(sig, other) for n, other in copies.items() if n != name)
        assert best >= 0.6, name
    wire = signature(wire_text())
    for name, text in SAME_THEME.items():
        sig = signature(text)
        closest = max(similarity(sig, other) for other in [wire, *copies.values()])
        assert closest <= 0.25 < STORY_THRESHOLD, name


# -- Story index ------------------------------------------------------------------------------


def test_lsh_parameters_find_nearly_every_pair_at_the_threshold():
    bands, rows = lsh_params(STORY_THRESHOLD)
    assert bands * rows <= 128
    assert 1 - (1 - STORY_THRESHOLD**rows) ** bands >= 0.99


def test_story_index_matches_copies_closest_first():
    index = StoryIndex()
    names = list(COPIES)
    for i, name in enumerate(names[1:], start=1):
        index.add(i, signature(COPIES[name]))
    index.add(100, signature(SAME_THEME["reportage"]))
    index.add(101, signature(SAME_THEME["anniversaire"]))
    sig = signature(COPIES[names[0]])
    matches = index.match(sig)
    assert sorted(matches) == list(range(1, len(names)))
    scores = [similarity(sig, signature(COPIES[names[i]])) for i in matches]
    assert scores == sorted(scores, reverse=True)
    assert index.match(signature(SAME_THEME["suite"])) == []


def test_story_index_replaces_a_signature_added_again():
    index = StoryIndex()
    index.add(1, signature(SAME_THEME["reportage"]))
    index.add(1, signature(wire_text()))
    assert len(index) == 1 and 1 in index
    assert index.match(signature(wire_text())) == [1]
    assert index.match(signature(SAME_THEME["reportage"])) == []


# -- With a database ----------------------------------------------------------------------------

NOW = datetime(2025, 3, 12, 14, 5, tzinfo=UTC)


@pytest.fixture
def db(any_settings):
    engine, sessions = open_database(any_settings)
    yield sessions
    engine.dispose()


def add_outlets(session, names) -> dict[str, Outlet]:
    outlets = {name: Outlet(name=name, medium=Medium.PRESS) for name in names}
    session.add_all(outlets.values())
    session.flush()
    return outlets


def new_clip(outlet: Outlet, title: str, text: str, published: datetime) -> Coverage:
    return Coverage(
        url=f"https://example.fr/{outlet.id}/{uuid.uuid4().hex}",
        outlet_id=outlet.id,
        title=title,
        text=text,
        published_at=published,
        title_key=title_key(title),
        minhash=signature(text),
    )


@pytest.mark.parametrize("order", ["as listed", "reversed"])
def test_ten_copies_in_ten_outlets_make_one_story(db, order):
    names = list(COPIES) if order == "as listed" else list(reversed(COPIES))
    # Radio Gohelle ran it first, whatever the order in which the clips are collected.
    published = {name: NOW + timedelta(minutes=10 * i) for i, name in enumerate(names)}
    published["Radio Gohelle"] = NOW - timedelta(hours=1)
    with db.begin() as session:
        outlets = add_outlets(session, names)
        index = StoryIndex.load(session, NOW - timedelta(days=STORY_DAYS))
        stories = []
        for name in names:
            clip = new_clip(
                outlets[name],
                f"{name} : 100 millions pour les cités",
                COPIES[name],
                published[name],
            )
            session.add(clip)
            stories.append(assign_story(session, clip, index))
        assert stories[0] is None  # the first copy has nothing to be a copy of yet
    with db() as session:
        story = session.scalars(select(Story)).one()
        copies = session.scalars(select(Coverage).where(Coverage.story_id == story.id)).all()
        assert len(copies) == 10
        assert {c.outlet.name for c in copies} == set(names)
        assert len({c.url for c in copies}) == 10  # each copy is its own clip
        assert story.title == "Radio Gohelle : 100 millions pour les cités"


def test_articles_on_the_same_theme_make_no_story(db):
    with db.begin() as session:
        outlets = add_outlets(session, ["Agence", *SAME_THEME])
        index = StoryIndex.load(session, NOW - timedelta(days=STORY_DAYS))
        wire = new_clip(outlets["Agence"], "100 millions pour les cités", wire_text(), NOW)
        session.add(wire)
        assert assign_story(session, wire, index) is None
        for name, text in SAME_THEME.items():
            clip = new_clip(outlets[name], f"Bassin minier : {name}", text, NOW)
            session.add(clip)
            assert assign_story(session, clip, index) is None
    with db() as session:
        assert session.scalars(select(Story)).all() == []
        assert session.scalar(select(func.count()).select_from(Coverage)) == 4


def test_a_clip_without_signature_gets_no_story(db):
    with db.begin() as session:
        outlet = add_outlets(session, ["Radio Gohelle"])["Radio Gohelle"]
        index = StoryIndex()
        clip = new_clip(outlet, "Le journal", "Le journal de 8h de Radio Gohelle.", NOW)
        session.add(clip)
        assert clip.minhash is None
        assert assign_story(session, clip, index) is None
        assert clip.id is None and len(index) == 0


def test_the_index_loads_recent_signed_clips_and_catches_up(db):
    with db.begin() as session:
        outlets = add_outlets(session, ["Ancien", "Court", "Récent"])
        old = new_clip(outlets["Ancien"], "Ancien", COPIES["La Voix du Nord"], NOW - timedelta(30))
        short = new_clip(outlets["Court"], "Court", "Trois mots seulement.", NOW)
        recent = new_clip(outlets["Récent"], "Récent", COPIES["Nord Éclair"], NOW)
        session.add_all([old, short, recent])
    with db() as session:
        index = StoryIndex.load(session, NOW - timedelta(days=STORY_DAYS))
        assert recent.id in index and old.id not in index and short.id not in index
    # A copy stored afterwards by another crawler is read before the next match.
    with db.begin() as session:
        other = new_clip(
            session.get(Outlet, outlets["Ancien"].id), "Autre", COPIES["Lens Matin"], NOW
        )
        session.add(other)
    with db.begin() as session:
        clip = new_clip(session.get(Outlet, outlets["Court"].id), "Copie", wire_text(), NOW)
        session.add(clip)
        story = assign_story(session, clip, index)
        assert story is not None
        assert {c.id for c in story.copies} == {recent.id, other.id, clip.id}


def test_an_index_entry_without_its_clip_never_matches(db):
    with db.begin() as session:
        outlet = add_outlets(session, ["Agence"])["Agence"]
        index = StoryIndex.load(session, NOW - timedelta(days=STORY_DAYS))
        index.add(999_999, signature(COPIES["La Voix du Nord"]))  # a rolled-back insert
        clip = new_clip(outlet, "100 millions", wire_text(), NOW)
        session.add(clip)
        assert index.match(clip.minhash) == [999_999]
        assert assign_story(session, clip, index) is None


@pytest.mark.parametrize(("days", "duplicate"), [(0, True), (3, True), (-3, True), (10, False)])
def test_the_same_title_in_the_same_outlet_within_a_week_is_one_clip(db, days, duplicate):
    title = "Liévin : 100 millions d'euros pour les cités minières"
    with db.begin() as session:
        outlets = add_outlets(session, ["Gohelle Infos", "Lens Matin"])
        first = new_clip(outlets["Gohelle Infos"], title, wire_text(), NOW)
        session.add(first)
    key = title_key("LIÉVIN - 100 millions d’euros pour les cités minières")
    when = NOW + timedelta(days=days)
    with db() as session:
        found = find_same_title(session, outlets["Gohelle Infos"].id, key, when)
        assert (found.id if found else None) == (first.id if duplicate else None)
        assert find_same_title(session, outlets["Lens Matin"].id, key, when) is None


def test_the_same_title_is_found_for_a_clip_without_publication_date(db):
    with db.begin() as session:
        outlet = add_outlets(session, ["Gohelle Infos"])["Gohelle Infos"]
        clip = new_clip(outlet, "Le journal", "", NOW)
        clip.published_at = None  # collected now: dated by its collection
        session.add(clip)
    with db() as session:
        assert find_same_title(session, outlet.id, title_key("Le journal"), utcnow()) is not None
        later = utcnow() + timedelta(days=10)
        assert find_same_title(session, outlet.id, title_key("Le journal"), later) is None


def test_distinct_texts_tell_a_recurring_title_from_a_republication():
    wire = signature(wire_text())
    assert not distinct_texts("", wire, "", signature(COPIES["Télé Hauts"]))
    assert distinct_texts("", wire, "", signature(SAME_THEME["reportage"]))
    assert distinct_texts("Les titres du 12 mars.", None, "Les titres du 13 mars.", None)
    assert not distinct_texts("Les titres du 12 mars.", None, "Les titres du 12 mars !", None)
    # Without a text on both sides, nothing tells them apart.
    assert not distinct_texts("", None, "Les titres du 13 mars.", None)
    assert not distinct_texts("", wire, "Les titres du 13 mars.", None)


def test_an_index_never_loaded_reads_the_last_week_on_first_use(db):
    now = utcnow()
    with db.begin() as session:
        outlets = add_outlets(session, ["Ancien", "Récent", "Nouveau"])
        old = new_clip(outlets["Ancien"], "Ancien", COPIES["Nord Éclair"], now - timedelta(30))
        recent = new_clip(outlets["Récent"], "Récent", COPIES["Télé Hauts"], now)
        session.add_all([old, recent])
    index = StoryIndex()
    with db.begin() as session:
        clip = new_clip(session.get(Outlet, outlets["Nouveau"].id), "Copie", wire_text(), now)
        session.add(clip)
        story = assign_story(session, clip, index)
        assert {c.id for c in story.copies} == {recent.id, clip.id}
        assert old.id not in index
