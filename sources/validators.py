"""Validators and constants shared by every model that stores an identifier or a country."""

from django.core.validators import RegexValidator
from django.db.models import Q
from django_countries.data import COUNTRIES

# Every ISO 3166-1 alpha-2 code django-countries knows; database checks use it so that bulk
# paths cannot store a code the model would refuse. A new django-countries release that changes
# the list shows up as a migration (CI's `makemigrations --check`), which is the point.
COUNTRY_CODES = tuple(sorted(COUNTRIES))

WIKIDATA_QID_PATTERN = r"^Q[1-9][0-9]*$"
validate_wikidata_qid = RegexValidator(
    WIKIDATA_QID_PATTERN, "A Wikidata item id looks like Q1028 (Q, then digits, no leading zero)."
)

# BCP 47 language tags as used in practice: a 2-3 letter language, then optional subtags
# (script, region, variants), e.g. en, ar, fr-MA, zh-Hant-TW; at most 35 characters, the length
# RFC 5646 (4.4.1) asks every implementation to store, and the columns' length.
LANGUAGE_TAG_MAX_LENGTH = 35
validate_language_tag = RegexValidator(
    rf"^(?=.{{2,{LANGUAGE_TAG_MAX_LENGTH}}}\Z)[A-Za-z]{{2,3}}(-[A-Za-z0-9]{{2,8}})*\Z",
    "Give a BCP 47 language tag such as en, ar or fr-MA.",
)


def optional_country_q(field: str) -> Q:
    """The condition 'empty, or a known ISO 3166-1 alpha-2 code' for a database check."""
    return Q(**{field: ""}) | Q(**{f"{field}__in": COUNTRY_CODES})


def optional_qid_q(field: str) -> Q:
    return Q(**{field: ""}) | Q(**{f"{field}__regex": WIKIDATA_QID_PATTERN})
