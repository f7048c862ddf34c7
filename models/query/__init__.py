"""Campaign monitoring queries: a boolean language over the words of an article.

The syntax is described in ``docs/query-language.md``. In short: terms, "quoted phrases",
``AND``/``ET`` (or nothing), ``OR``/``OU`` (or a comma), ``NOT``/``SAUF``, parentheses,
``word*`` prefixes, ``A NEAR/n B`` and the field scopes ``title:``, ``text:``, ``outlet:`` and
``site:``. Matching works on folded words (see ``models.text.fold``): case, accents, hyphens,
punctuation and French elision are ignored and word boundaries are respected.
"""

from .compiled import Query, parse_query
from .document import QueryDocument
from .errors import QueryError
from .parser import FIELDS, MAX_NESTING, MIN_PREFIX

__all__ = [
    "FIELDS",
    "MAX_NESTING",
    "MIN_PREFIX",
    "Query",
    "QueryDocument",
    "QueryError",
    "parse_query",
]
