"""Properties of the query parser and matcher, on generated queries and documents."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from hypothesis import given, settings
from hypothesis import strategies as st

from models.query import QueryDocument, QueryError, parse_query
from models.text import fold, fold_words

FAST = settings(max_examples=150, deadline=None)

# Each entry folds to one word, except the hyphenated name and the elision.
VOCABULARY = [
    "terril",
    "terrils",
    "minière",
    "Liévin",
    "Lens",
    "fosse",
    "cité",
    "houille",
    "chevalement",
    "UNESCO",
    "l'UNESCO",
    "Loos-en-Gohelle",
]
STEMS = ["terril", "min", "cit", "fos", "chevalem"]
DOMAINS = ["lavoixdunord.fr", "lalsace.fr", "fr"]
OUTLETS = ["La Voix du Nord", "Nord Littoral", "L'Avenir de l'Artois"]
HOSTS = ["www.lavoixdunord.fr", "lalsace.fr", "www.lavenir.net", "m.lavoixdunord.fr"]
DOC_WORDS = VOCABULARY + ["terrils", "minières", "LIEVIN", "cités", "le", "de", "et", "mine"]


# A tiny query tree, independent of the one in models.query ---------------------------------


@dataclass(frozen=True)
class Words:
    parts: tuple[str, ...]  # vocabulary entries or stems followed by "*"
    field: str | None = None


@dataclass(frozen=True)
class Site:
    domain: str


@dataclass(frozen=True)
class Near:
    left: Words
    right: Words
    n: int


@dataclass(frozen=True)
class Not:
    child: object


@dataclass(frozen=True)
class And:
    children: tuple


@dataclass(frozen=True)
class Or:
    children: tuple


part = st.sampled_from(VOCABULARY) | st.sampled_from(STEMS).map(lambda s: s + "*")
text_field = st.sampled_from([None, None, None, "title", "text"])


@st.composite
def words(draw, field=text_field):
    return Words(tuple(draw(st.lists(part, min_size=1, max_size=3))), draw(field))


@st.composite
def near(draw):
    scope = draw(text_field)
    return Near(draw(words(st.just(scope))), draw(words(st.just(scope))), draw(st.integers(0, 4)))


leaves = st.one_of(
    words(),
    words(),
    near(),
    st.sampled_from(DOMAINS).map(Site),
    st.sampled_from(OUTLETS).map(lambda o: Words((o,), "outlet")),
)
trees = st.recursive(
    leaves,
    lambda inner: st.one_of(
        inner.map(Not),
        st.lists(inner, min_size=2, max_size=3).map(tuple).map(And),
        st.lists(inner, min_size=2, max_size=3).map(tuple).map(Or),
    ),
    max_leaves=8,
)


def is_term(node) -> bool:
    return isinstance(node, Near) or (isinstance(node, Words) and node.field != "outlet")


def needs_term(node, negated=False) -> bool:
    """Every document matching the tree contains a term (not just passes filters)."""
    if isinstance(node, Not):
        return needs_term(node.child, not negated)
    if isinstance(node, And | Or):
        check = all if isinstance(node, Or) != negated else any
        return check(needs_term(c, negated) for c in node.children)
    return is_term(node) and not negated


valid_trees = trees.filter(needs_term)


# Canonical spelling, as Query.normalized() documents it ---------------------------------------


def canonical_words(node: Words) -> str:
    folded = []
    for item in node.parts:
        stem = item.rstrip("*")
        tokens = fold(stem).split()
        folded += tokens[:-1] + [tokens[-1] + ("*" if stem != item else "")]
    body = " ".join(folded)
    body = f'"{body}"' if len(folded) > 1 else body
    return f"{node.field}:{body}" if node.field else body


def simplify(node):
    """Apply what the parser does: NOT NOT x is x, nested AND (OR) are flattened."""
    if isinstance(node, Not):
        child = simplify(node.child)
        return child.child if isinstance(child, Not) else Not(child)
    if isinstance(node, And | Or):
        flat = []
        for child in map(simplify, node.children):
            flat += child.children if type(child) is type(node) else [child]
        return type(node)(tuple(flat))
    return node


def canonical(node) -> str:
    if isinstance(node, Words):
        return canonical_words(node)
    if isinstance(node, Site):
        return f"site:{node.domain}"
    if isinstance(node, Near):
        left, right = sorted((canonical_words(node.left), canonical_words(node.right)))
        return f"{left} NEAR/{node.n} {right}"
    if isinstance(node, Not):
        inner = canonical(node.child)
        return f"NOT ({inner})" if isinstance(node.child, And | Or) else f"NOT {inner}"
    if isinstance(node, And):
        return " AND ".join(
            f"({canonical(c)})" if isinstance(c, Or) else canonical(c) for c in node.children
        )
    return " OR ".join(canonical(c) for c in node.children)


# Surface spellings: French operators, implicit AND, extra parentheses, case and accents --------


def strip_accents(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))


@st.composite
def spelling(draw, node, scoped=False) -> str:
    """Write ``node`` as a user might; ``scoped``: a group scope already covers its words."""
    if isinstance(node, Words):
        parts = []
        for item in node.parts:
            style = draw(st.sampled_from([str, str.upper, str.lower, strip_accents]))
            stem = item.rstrip("*")
            parts.append(style(stem) + item[len(stem) :])
        body = " ".join(parts)
        if " " in body or draw(st.booleans()):
            opening, closing = draw(st.sampled_from(['""', "«»", "“”"]))
            body = f"{opening}{body}{closing}"
        return f"{node.field}:{body}" if node.field and not scoped else body
    if isinstance(node, Site):
        return draw(st.sampled_from([f"site:{node.domain}", f"site:https://www.{node.domain}/"]))
    if isinstance(node, Near):
        left = draw(spelling(node.left, scoped))
        right = draw(spelling(node.right, scoped))
        return f"{left} NEAR/{node.n} {right}"
    if isinstance(node, Not):
        operator = draw(st.sampled_from(["NOT ", "SAUF "]))
        inner = draw(spelling(node.child, scoped))
        if isinstance(node.child, And | Or) or draw(st.booleans()):
            inner = f"({inner})"
        return operator + inner
    if isinstance(node, And):
        joiners = [" AND ", " ET ", " ", "\n"]
        below = Or
    else:
        joiners = [" OR ", " OU ", ", "]
        below = None
    text = ""
    for i, child in enumerate(node.children):
        inner = draw(spelling(child, scoped))
        if (below and isinstance(child, below)) or draw(st.integers(0, 3)) == 0:
            inner = f"({inner})"
        text += (draw(st.sampled_from(joiners)) if i else "") + inner
    field = one_field(node)
    if field and not scoped and draw(st.booleans()):
        return f"{field}:({draw(spelling(node, scoped=True))})"
    return text


def one_field(node) -> str | None:
    """The field shared by every leaf of ``node`` (never site:), if any."""
    if isinstance(node, Words):
        return node.field
    if isinstance(node, Near):
        return node.left.field
    if isinstance(node, Not):
        return one_field(node.child)
    if isinstance(node, And | Or):
        fields = {one_field(c) for c in node.children}
        return fields.pop() if len(fields) == 1 else None
    return None


@st.composite
def documents(draw):
    def sentence(size):
        return " ".join(draw(st.lists(st.sampled_from(DOC_WORDS), max_size=size)))

    return QueryDocument(
        title=sentence(5),
        text=sentence(25),
        outlet=draw(st.sampled_from(OUTLETS + [""])),
        url=f"https://{draw(st.sampled_from(HOSTS))}/article",
    )


# (1) Any input either parses or raises QueryError, which says where -------------------------


@st.composite
def queryish(draw) -> str:
    tokens = draw(
        st.lists(
            st.sampled_from(
                ["(", ")", '"', "«", "»", "AND", "OR", "NOT", "ET", "OU", "SAUF", "NEAR/2"]
                + ["NEAR/", "NEAR", "title:", "site:", "outlet:", "text:", "auteur:", "terril"]
                + ["min*", "*", ",", "l'", "Liévin", "https://x.fr/", "lavoixdunord.fr", "-"]
                + [":", "é", "et", "Lens*ée", "Loos-en-Gohelle"]
            ),
            max_size=12,
        )
    )
    return "".join(token + draw(st.sampled_from(["", " ", " ", "\n"])) for token in tokens)


def check_parses_or_says_where(source: str) -> None:
    try:
        query = parse_query(source)
    except QueryError as error:
        assert 0 <= error.position < max(len(source), 1)
        assert str(error).startswith(f"column {error.position + 1}: ")
    else:
        doc = QueryDocument(title=source, text=source, outlet=source, url=source)
        assert query.matches(doc) == bool(query.hits(doc))
        assert set(query.hits(doc)) <= set(query.terms)


@FAST
@given(st.text(max_size=40))
def test_any_text_parses_or_raises_a_query_error(source):
    check_parses_or_says_where(source)


@settings(max_examples=400, deadline=None)
@given(queryish())
def test_any_query_like_text_parses_or_raises_a_query_error(source):
    check_parses_or_says_where(source)
    try:
        normalized = parse_query(source).normalized()
    except QueryError:
        return
    assert parse_query(normalized).normalized() == normalized


# (2) Generated queries parse back to their canonical form -----------------------------------


@FAST
@given(st.data(), trees)
def test_written_queries_parse_to_their_canonical_form(data, tree):
    source = data.draw(spelling(tree), label="source")
    if not needs_term(tree):
        try:
            parse_query(source)
        except QueryError as error:
            assert "term to look for" in error.reason
            return
        raise AssertionError(f"{source!r} has no term yet parsed")
    query = parse_query(source)
    expected = canonical(simplify(tree))
    assert query.normalized() == expected
    assert parse_query(expected).normalized() == expected


# (3) Boolean consistency --------------------------------------------------------------------


@FAST
@given(valid_trees, valid_trees, documents())
def test_boolean_operators_combine_matches(a, b, doc):
    left, right = canonical(a), canonical(b)
    a_matches = parse_query(left).matches(doc)
    b_matches = parse_query(right).matches(doc)
    for operator in ("OR", "OU", ","):
        assert parse_query(f"({left}) {operator} ({right})").matches(doc) == (
            a_matches or b_matches
        )
    for operator in ("AND", "ET", ""):
        assert parse_query(f"({left}) {operator} ({right})").matches(doc) == (
            a_matches and b_matches
        )
    for operator in ("NOT", "SAUF", "AND NOT", "ET SAUF"):
        query = parse_query(f"({left}) {operator} ({right})")
        assert query.matches(doc) == (a_matches and not b_matches)


@FAST
@given(valid_trees, documents())
def test_hits_are_found_terms_of_matching_documents(tree, doc):
    query = parse_query(canonical(tree))
    hits = query.hits(doc)
    assert bool(hits) == query.matches(doc)
    assert hits == [term for term in query.terms if term in hits]  # query order, no repeats


# (4) Case and accents of the document never matter -------------------------------------------


@FAST
@given(valid_trees, documents(), st.data())
def test_case_and_accents_of_documents_do_not_change_matches(tree, doc, data):
    query = parse_query(canonical(tree))
    styles = st.sampled_from([str.upper, str.lower, str.title, strip_accents, str])

    def restyle(text: str) -> str:
        return " ".join(data.draw(styles)(word) for word in text.split(" "))

    changed = QueryDocument(
        title=restyle(doc.title), text=restyle(doc.text), outlet=restyle(doc.outlet), url=doc.url
    )
    assert query.matches(changed) == query.matches(doc)
    assert query.hits(changed) == query.hits(doc)


# The fast folding used for documents is fold() -----------------------------------------------


@settings(max_examples=300, deadline=None)
@given(
    st.text(max_size=60)
    | st.lists(
        st.sampled_from(list("lLdDqQuUjJsS'’ -_aeéÉ\u0301ſKİß9") + ["jusqu", "lorsqu", "puisqu"])
    ).map("".join)
)
def test_fold_words_are_the_words_of_fold(text):
    assert fold_words(text) == fold(text).split()
