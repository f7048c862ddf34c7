"""The ``Doc._.retombees_context`` extension: what is known of a clip besides its text."""

from spacy.tokens import Doc

if not Doc.has_extension("retombees_context"):
    # Set by the caller before the pipeline runs: outlet medium, partner flag, source kind,
    # page/feed medium hints, territory name. Components read it, never write it.
    Doc.set_extension("retombees_context", default=None)


def context(doc: Doc) -> dict:
    return doc._.retombees_context or {}
