import pickle

import pytest

from models.example import CAMPAIGN_QUERY
from models.query import QueryDocument, QueryError, parse_query
from models.text import fold, fold_words

LOUVRE = (
    "Le Louvre-Lens fête cette année son dixième anniversaire avec une exposition consacrée "
    "à l'histoire du Bassin minier, inscrit au patrimoine mondial de l'UNESCO en 2012."
)
TERRILS = "À Loos-en-Gohelle, les terrils jumeaux attirent randonneurs et traileurs."
LORRAINE = "En Moselle, le bassin minier lorrain garde la mémoire des houillères."


def matches(query: str, doc: QueryDocument | str) -> bool:
    return parse_query(query).matches(doc)


# Normalisation ----------------------------------------------------------------------------------


def test_fold_ignores_case_accents_hyphens_and_elision():
    assert fold("L'UNESCO a classé le Bassin-Minier") == "unesco a classe le bassin minier"


def test_fold_words_are_the_words_of_fold():
    text = "Aujourd'hui, l'UNESCO et qu'il… jusqu’à Liévin — « cité minière » n°9-9bis"
    assert fold_words(text) == fold(text).split()


def test_phrases_match_across_case_accents_and_hyphens():
    query = parse_query('"bassin minier" OR Louvre-Lens OR "patrimoine mondial"')
    text = "Le BASSIN-MINIER et le louvre lens, au Patrimoine Mondial de l'Unesco."
    assert query.hits(text) == ["bassin minier", "Louvre-Lens", "patrimoine mondial"]


def test_terms_respect_word_boundaries():
    query = parse_query("terril, Lens")
    assert query.hits("Des terrils à Valenciennes") == []
    assert query.hits("Le terril de Lens") == ["terril", "Lens"]


def test_elision_accents_and_case_are_ignored_on_both_sides():
    assert matches('"l\'UNESCO"', "Un site classé par UNESCO")
    assert matches("UNESCO", "classé par l’Unesco")
    assert matches("Liévin", "LIEVIN : le conseil municipal a voté")
    assert matches("LIEVIN", "à Liévin, le conseil municipal a voté")
    assert matches('"cités minières"', "les CITES MINIERES de Bruay")


def test_a_hyphenated_term_is_a_phrase():
    assert matches("bassin-minier", "le bassin minier du Nord")
    assert matches('"bassin minier"', "le Bassin-Minier du Nord")
    assert not matches("Louvre-Lens", "le Louvre à Lens")


def test_a_phrase_needs_its_words_in_order_and_side_by_side():
    assert not matches('"bassin minier"', "le minier bassin")
    assert not matches('"bassin minier"', "le bassin houiller et minier")


def test_typographic_quotes_delimit_phrases():
    assert parse_query("« bassin minier » OR “cité minière”").terms == (
        "bassin minier",
        "cité minière",
    )


# Operators -----------------------------------------------------------------------------------


@pytest.mark.parametrize("operator", ["AND", "ET"])
def test_and(operator):
    query = f"Louvre-Lens {operator} anniversaire"
    assert matches(query, LOUVRE)
    assert not matches(query, "Le Louvre-Lens accueille une nouvelle exposition.")


@pytest.mark.parametrize("operator", ["OR", "OU", ","])
def test_or(operator):
    query = f"terrils {operator} chevalement"
    assert matches(query, TERRILS)
    assert matches(query, "Le chevalement de la fosse 11/19 restauré")
    assert not matches(query, LOUVRE)


@pytest.mark.parametrize("operator", ["NOT", "SAUF", "AND NOT", "ET SAUF"])
def test_not(operator):
    query = f'"bassin minier" {operator} Moselle'
    assert matches(query, LOUVRE)
    assert not matches(query, LORRAINE)


def test_adjacent_terms_are_joined_by_and():
    assert matches("terrils Loos-en-Gohelle", TERRILS)
    assert not matches("terrils Liévin", TERRILS)


def test_lower_case_operators_are_ordinary_words():
    # "et" and "ou" are French words: only the upper-case forms are operators.
    assert parse_query("randonneurs et traileurs").terms == ("randonneurs", "et", "traileurs")
    assert matches('"randonneurs et traileurs"', TERRILS)
    assert not matches("terrils ou Liévin", TERRILS)
    assert matches("terrils OU Liévin", TERRILS)


def test_not_binds_tighter_than_and_which_binds_tighter_than_or():
    # Moselle OR (terrils AND NOT Loos-en-Gohelle)
    query = "Moselle OR terrils SAUF Loos-en-Gohelle"
    assert matches(query, LORRAINE)
    assert not matches(query, TERRILS)
    assert matches(query, "Les terrils de Liévin")
    # (Louvre-Lens AND anniversaire) OR terrils
    query = "Louvre-Lens anniversaire OR terrils"
    assert matches(query, TERRILS)
    assert not matches(query, "Le Louvre-Lens prépare une exposition")


def test_parentheses_override_precedence():
    query = '("bassin minier" OR "Mission Bassin Minier") SAUF (Lorraine OR Moselle)'
    assert matches(query, LOUVRE)
    assert matches(query, "La Mission Bassin Minier lance un appel à projets.")
    assert not matches(query, LORRAINE)
    assert not matches(query, "La Lorraine et la Mission Bassin Minier signent un accord.")
    assert matches("(Moselle OR terrils) SAUF Loos-en-Gohelle", LORRAINE)
    assert not matches("(Moselle OR terrils) SAUF Loos-en-Gohelle", TERRILS)


def test_double_negation_cancels():
    assert parse_query("NOT (NOT terrils)").normalized() == "terrils"
    assert matches("NOT NOT terrils", TERRILS)


# Wildcards -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text", ["un site minier", "les sites miniers", "la cité minière", "les cités minières"]
)
def test_a_wildcard_matches_every_ending_after_folding(text):
    assert matches("minier*", text)


def test_a_wildcard_only_extends_the_end_of_a_word():
    assert not matches("minier*", "une mine de charbon")
    assert not matches("minier*", "les anciens déminiers")
    assert matches("terril*", TERRILS)


def test_wildcards_inside_a_phrase():
    query = '"bassin* minier*"'
    assert matches(query, "les bassins miniers du Nord et de Lorraine")
    assert matches(query, "le Bassin minier")
    assert not matches(query, "les bassins de la région minière")


def test_a_wildcard_after_a_hyphen_applies_to_the_last_word():
    assert matches("Louvre-Len*", "au Louvre Lens")
    assert not matches("Louvre-Len*", "au Louvre de Lens")


# Proximity -----------------------------------------------------------------------------------


def words_between(n: int) -> str:
    filler = " ".join(["mot"] * n)
    return f"Le Louvre-Lens {filler} anniversaire"


def test_near_in_both_orders():
    assert matches("Louvre-Lens NEAR/5 anniversaire", LOUVRE)
    assert matches("anniversaire NEAR/5 Louvre-Lens", LOUVRE)


@pytest.mark.parametrize(
    "order", ["Louvre-Lens NEAR/{n} anniversaire", "anniversaire NEAR/{n} Louvre-Lens"]
)
@pytest.mark.parametrize("n", [0, 1, 5])
def test_near_allows_at_most_n_words_between(order, n):
    query = order.format(n=n)
    assert matches(query, words_between(n))
    assert not matches(query, words_between(n + 1))
    filler = " ".join(["mot"] * n)
    assert matches(query, f"Un anniversaire {filler} Louvre-Lens")
    assert not matches(query, f"Un anniversaire {filler} mot Louvre-Lens")


def test_near_between_phrases_and_wildcards():
    # LOUVRE: "… du Bassin minier, inscrit au patrimoine mondial …"
    assert matches('"patrimoine mondial" NEAR/2 "bassin* minier*"', LOUVRE)
    assert not matches('"patrimoine mondial" NEAR/1 "bassin* minier*"', LOUVRE)
    assert matches(
        '"patrimoine mondial" NEAR/1 "bassin* minier*"', "Le patrimoine mondial : le bassin minier"
    )


def test_near_needs_two_occurrences_of_the_same_word():
    assert not matches("terril NEAR/3 terril", "un terril")
    assert matches("terril NEAR/3 terril", "un terril, puis un autre terril")


def test_near_does_not_reach_across_title_and_text():
    doc = QueryDocument(title="Louvre-Lens", text="anniversaire")
    assert not matches("Louvre-Lens NEAR/5 anniversaire", doc)
    assert matches("Louvre-Lens anniversaire", doc)


def test_near_binds_tighter_than_not():
    assert matches("Louvre-Lens SAUF Louvre-Lens NEAR/2 anniversaire", LOUVRE)
    assert not matches("Louvre-Lens SAUF Louvre-Lens NEAR/9 anniversaire", LOUVRE)


# Fields --------------------------------------------------------------------------------------

ARTICLE = QueryDocument(
    title="Les terrils jumeaux de Loos-en-Gohelle à l'honneur",
    text="Le site du 11/19 accueille ce week-end les journées du patrimoine mondial.",
    outlet="La Voix du Nord",
    url="https://www.lavoixdunord.fr/region/lens/2026/01/terrils",
)


def test_unscoped_terms_search_title_and_text_but_not_outlet_or_address():
    assert matches("terrils", ARTICLE)
    assert matches('"patrimoine mondial"', ARTICLE)
    assert not matches("Voix", ARTICLE)
    assert not matches("lavoixdunord", ARTICLE)


def test_title_and_text_scopes():
    assert matches("title:terril*", ARTICLE)
    assert not matches("text:terril*", ARTICLE)
    assert matches('text:"patrimoine mondial"', ARTICLE)
    assert not matches('title:"patrimoine mondial"', ARTICLE)


def test_a_phrase_does_not_run_from_the_title_into_the_text():
    doc = QueryDocument(title="Visite du bassin", text="minier et de ses terrils")
    assert not matches('"bassin minier"', doc)


def test_a_scope_applies_to_a_group():
    assert matches("title:(Liévin OR Loos-en-Gohelle)", ARTICLE)
    assert not matches("text:(Liévin OR Loos-en-Gohelle)", ARTICLE)
    assert matches("title:(terrils NEAR/2 Loos-en-Gohelle)", ARTICLE)


@pytest.mark.parametrize(
    "scope", ['outlet:"La Voix du Nord"', "outlet:voix", 'outlet:"voix du nord"', "outlet:VOIX*"]
)
def test_outlet_matches_the_folded_name_as_a_phrase(scope):
    assert matches(f"terrils AND {scope}", ARTICLE)


def test_outlet_needs_its_words_in_order():
    assert not matches('terrils AND outlet:"nord du voix"', ARTICLE)
    assert not matches('terrils AND outlet:"Voix de la Gazette"', ARTICLE)


@pytest.mark.parametrize(
    "site",
    [
        "lavoixdunord.fr",
        "www.lavoixdunord.fr",
        "LaVoixDuNord.fr",
        "https://www.lavoixdunord.fr/",
        "fr",
    ],
)
def test_site_matches_the_host_and_its_parent_domains(site):
    assert matches(f"site:{site} AND terrils", ARTICLE)


@pytest.mark.parametrize(
    "url",
    [
        "https://lavoixdunord.fr/a",
        "https://www.lavoixdunord.fr/a",
        "http://m.actu.lavoixdunord.fr:8080/a",
        "www.lavoixdunord.fr/a",
    ],
)
def test_site_matches_subdomains(url):
    doc = QueryDocument(text="les terrils", url=url)
    assert matches("site:lavoixdunord.fr AND terrils", doc)


@pytest.mark.parametrize(
    "url", ["https://notlavoixdunord.fr/a", "https://lavoixdunord.fr.example.com/a", "", "::"]
)
def test_site_does_not_match_other_hosts(url):
    doc = QueryDocument(text="les terrils", url=url)
    assert not matches("site:lavoixdunord.fr AND terrils", doc)


def test_site_in_a_group_and_excluded():
    query = "terrils SAUF site:(lavoixdunord.fr OR nordlittoral.fr)"
    assert not matches(query, ARTICLE)
    assert matches(query, QueryDocument(text="terrils", url="https://www.lalsace.fr/a"))


# Hits ----------------------------------------------------------------------------------------


def test_hits_are_the_positive_terms_found_as_written_in_query_order():
    query = parse_query(
        'Louvre-Lens OR "Bassin Minier" OR terril* OR "l\'UNESCO" OR Liévin SAUF Moselle'
    )
    assert query.hits(LOUVRE) == ["Louvre-Lens", "Bassin Minier", "l'UNESCO"]
    assert query.hits(TERRILS) == ["terril*"]
    assert query.hits(LORRAINE) == ["Bassin Minier"]


def test_hits_are_empty_when_the_query_does_not_match():
    query = parse_query('"bassin minier" SAUF Moselle')
    assert query.hits(LORRAINE) == []
    assert not query.matches(LORRAINE)


def test_hits_list_terms_found_even_outside_the_branch_that_matched():
    query = parse_query("terrils OR (Louvre-Lens AND Liévin)")
    assert query.hits("Les terrils vus du Louvre-Lens") == ["terrils", "Louvre-Lens"]


def test_hits_leave_out_exclusions_filters_and_duplicates():
    query = parse_query(
        'title:terrils OR terrils OR "bassin minier" SAUF (Moselle OR site:lalsace.fr) '
        'AND outlet:"voix du nord"'
    )
    assert query.terms == ("terrils", "bassin minier")
    assert query.hits(ARTICLE) == ["terrils"]


def test_a_term_under_two_negations_is_positive():
    query = parse_query("terrils SAUF (Moselle SAUF Loos-en-Gohelle)")
    assert query.terms == ("terrils", "Loos-en-Gohelle")
    assert query.hits(TERRILS) == ["terrils", "Loos-en-Gohelle"]


def test_near_sides_are_hits():
    assert parse_query("Louvre-Lens NEAR/5 anniversaire").hits(LOUVRE) == [
        "Louvre-Lens",
        "anniversaire",
    ]


def test_a_string_is_a_document_text():
    query = parse_query("title:terrils OR text:Moselle")
    assert query.matches(LORRAINE)
    assert not query.matches(TERRILS)


def test_the_demo_campaign_query_still_works():
    query = parse_query(CAMPAIGN_QUERY)
    assert query.hits(LOUVRE) == ["bassin minier", "patrimoine mondial", "Louvre-Lens"]


def test_french_separator_and_new_lines():
    assert parse_query("mine OU charbon\nterril").terms == ("mine", "charbon", "terril")


def test_new_lines_are_spaces():
    query = parse_query('("bassin minier"\n OR terrils)\nSAUF Moselle')
    assert query.normalized() == '("bassin minier" OR terrils) AND NOT moselle'


def test_normalized_spells_operators_in_english_and_folds_terms():
    query = parse_query("Title:(Terrils OU Liévin) ET « Bassin-Minier » SAUF site:www.LaLsace.fr")
    assert query.normalized() == (
        '(title:terrils OR title:lievin) AND "bassin minier" AND NOT site:lalsace.fr'
    )
    assert parse_query(query.normalized()).normalized() == query.normalized()


# Errors --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("", "column 1: the query is empty"),
        ("   \n ", "column 1: the query is empty"),
        ("terrils OR Lens) AND mine", "column 16: closing parenthesis without an opening one"),
        ("terrils AND (Lens OR Liévin", "column 13: opening parenthesis without a closing one"),
        ('terrils OR "bassin minier', "column 12: opening quote without a closing one"),
        ('terrils OR ""', "column 12: the phrase is empty"),
        ("terrils OR ()", "column 12: the parentheses hold nothing"),
        ("terrils OR -", 'column 12: "-" holds no letter or digit to look for'),
        ("terril NEAR/ Lens", 'column 8: "NEAR/" needs a number'),
        ("terril NEAR Lens", 'column 8: "NEAR/" needs a number'),
        ("terril NEAR/cinq Lens", 'column 8: "NEAR/" needs a number'),
        ("terril NEAR/3", 'column 8: "NEAR/3" needs a term or phrase after it'),
        ("NEAR/3 terril", 'column 1: "NEAR/3" needs a term or phrase before it'),
        (
            "(Lens OR Liévin) NEAR/3 terril",
            'column 18: "NEAR/3" joins two terms or phrases (not a group, NOT or site:)',
        ),
        ("Lens NEAR/3 NOT terril", 'column 6: "NEAR/3" needs a term or phrase after it'),
        ("Lens NEAR/3 terril NEAR/2 fosse", 'column 20: "NEAR/2" joins two terms or phrases'),
        (
            "title:Lens NEAR/3 terril",
            'column 12: both sides of "NEAR/3" must be in the same field',
        ),
        (
            '"bassin minier" AND auteur:Dupont',
            'column 21: unknown field "auteur:" (fields: title, text, outlet, site)',
        ),
        ("title: terrils", 'column 1: "title:" needs a term, a phrase or a group right after it'),
        (
            "terrils AND site:",
            'column 13: "site:" needs a term, a phrase or a group right after it',
        ),
        ("terrils site:la*voix", 'column 9: "site:" needs a domain name such as lavoixdunord.fr'),
        (
            "terrils site:lavoixdunord.fr/lens",
            'column 9: "site:" needs a domain name such as lavoixdunord.fr',
        ),
        ("AND terrils", 'column 1: "AND" needs a term before it'),
        ("terrils OU", 'column 9: "OU" needs a term after it'),
        ("terrils ET OU Lens", 'column 9: "ET" needs a term after it'),
        ("terrils SAUF", 'column 9: "SAUF" needs a term after it'),
        ("terrils, , Lens", 'column 8: "," needs a term after it'),
        ("(OR terrils)", 'column 2: "OR" needs a term before it'),
        ("min*ier", 'column 4: "*" only goes at the end of a word'),
        ('"bassin m*nier"', 'column 10: "*" only goes at the end of a word'),
        ("terrils OR m*", 'column 13: a wildcard needs at least 2 letters before "*"'),
        ("NOT Moselle", "column 1: the query needs at least one term to look for"),
        ("SAUF Moselle SAUF Lorraine", "column 1: the query needs at least one term to look for"),
        ("site:lavoixdunord.fr", "column 1: the query needs at least one term to look for"),
        ('outlet:"La Voix du Nord"', "column 1: the query needs at least one term to look for"),
        (
            "terrils OR NOT Moselle",
            'column 12: "NOT Moselle" would keep articles without any term to look for; '
            "join it with AND",
        ),
        (
            "(terrils OR site:lavoixdunord.fr) AND NOT Moselle",
            'column 13: "site:lavoixdunord.fr" would keep articles without any term to look '
            "for; join it with AND",
        ),
    ],
)
def test_parse_errors_say_where_and_why(query, message):
    with pytest.raises(QueryError) as error:
        parse_query(query)
    assert str(error.value) == message
    column, reason = message.split(": ", 1)
    assert error.value.position == int(column.removeprefix("column ")) - 1
    assert error.value.reason == reason


def test_the_old_empty_query_is_still_an_error():
    with pytest.raises(QueryError):
        parse_query(' , "" OR ')


def test_deep_nesting_is_an_error_not_a_crash():
    with pytest.raises(QueryError, match="more than 50 nested parentheses"):
        parse_query("(" * 200 + "terrils" + ")" * 200)
    assert parse_query("(" * 50 + "terrils" + ")" * 50).terms == ("terrils",)
    assert parse_query("NOT " * 1000 + "terrils").terms == ("terrils",)


def test_query_errors_are_value_errors_that_pickle():
    with pytest.raises(ValueError) as error:
        parse_query("terrils)")
    copy = pickle.loads(pickle.dumps(error.value))
    assert (copy.position, copy.reason, str(copy)) == (7, error.value.reason, str(error.value))
