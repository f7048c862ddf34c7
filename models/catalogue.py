"""The interface's message catalogue (``webapp/translations``) outside a web request: for mail,
press books, the management workbook and the scheduler, which run without Flask-Babel."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from babel.support import NullTranslations, Translations

TRANSLATIONS = Path(__file__).resolve().parent.parent / "webapp" / "translations"


@lru_cache(maxsize=8)
def translations(locale: str) -> NullTranslations:
    """The catalogue of ``locale``, read once (source texts when there is none: English)."""
    return Translations.load(str(TRANSLATIONS), [locale])
