"""Language tags: which of the site's ``locales`` a tag means, and a language's name.

The one owner of locale matching, so a mail, a translation file and a check agree on it:
``nb`` is ``nb``; ``nb-NO`` reads ``nb``; Norwegian (``no``) and Nynorsk readers (``nn``) read
Bokmål when the site has it.
"""

from __future__ import annotations

import functools

from babel import Locale, UnknownLocaleError

# Norwegian without a written standard, or in Nynorsk, reads Bokmål rather than English.
_READS = {"no": "nb", "nn": "nb"}


def match_locale(tag: str, locales: tuple[str, ...]) -> str | None:
    """The locale of ``locales`` a reader of ``tag`` reads, or None when none fits."""
    wanted = tag.replace("_", "-").lower()
    if wanted in locales:
        return wanted
    language = wanted.split("-", 1)[0]
    if language in locales:
        return language
    alias = _READS.get(language)
    return alias if alias in locales else None


@functools.lru_cache(maxsize=256)
def is_language(tag: str) -> bool:
    """Whether Babel knows ``tag`` as a language (``nb``, ``de``, ``pt-BR``; not ``v2``)."""
    if not 2 <= len(tag.split("-", 1)[0]) <= 3 or not tag.replace("-", "").isalpha():
        return False
    try:
        Locale.parse(tag.replace("-", "_"))
    except (ValueError, TypeError, UnknownLocaleError):
        return False
    return True


@functools.lru_cache(maxsize=256)
def language_name(locale: str, in_locale: str = "en") -> str:
    """A locale's name in a language: ``nb`` → "Norwegian Bokmål" (en), "norsk bokmål" (nb)."""
    try:
        return (
            Locale.parse(locale.replace("-", "_")).get_display_name(in_locale.replace("-", "_"))
            or locale
        )
    except (ValueError, TypeError, UnknownLocaleError):
        return locale
