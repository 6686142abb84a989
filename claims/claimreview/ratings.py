"""What other fact-checkers' ratings, labels and dates mean in claimtrack's terms."""

import re
import unicodedata
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

from django.utils import timezone

from claims.models import ClaimStatus
from claims.workflow import RATING

# --- Ratings and labels -------------------------------------------------------------------

STATUS_BY_RATING: dict[int, ClaimStatus] = {
    value: status for status, value in RATING.items() if value is not None
}

# Fact-checkers' labels, compared after `_normalise_label` (lower case, no accents, no
# punctuation). Several languages, because the ClaimReview that circulates is multilingual.
_LABELS: dict[ClaimStatus, str] = {
    ClaimStatus.CONFIRMED: (
        "true, correct, accurate, confirmed, verified, fact, vrai, exact, verdadero, cierto, "
        "verdadeiro, vero, wahr, richtig, waar, juist"
    ),
    ClaimStatus.MOSTLY_TRUE: (
        "mostly true, mostly correct, mostly accurate, largely true, largely accurate, "
        "plutôt vrai, en grande partie vrai, mayormente verdadero, casi verdadero, "
        "principalmente verdadero, quase verdadeiro, weitgehend richtig, grotendeels waar"
    ),
    ClaimStatus.MIXED: (
        "mixed, mixture, half true, half false, partly true, partly false, partially true, "
        "partially false, partially correct, mixte, à moitié vrai, en partie vrai, "
        "partiellement vrai, partiellement faux, verdad a medias, a medias, medio verdadero, "
        "parcialmente verdadero, parcialmente falso, impreciso, teilweise richtig, "
        "teilweise falsch, halb wahr, gemischt, deels waar, mezza verità, in parte vero"
    ),
    ClaimStatus.MISLEADING: (
        "misleading, mostly false, mostly untrue, largely false, barely true, exaggerated, "
        "exaggeration, missing context, lacks context, needs context, out of context, "
        "cherry picks, spin, trompeur, trompeuse, plutôt faux, exagéré, hors contexte, "
        "manque de contexte, engañoso, engañosa, mayormente falso, principalmente falso, "
        "exagerado, sacado de contexto, fuera de contexto, sin contexto, enganador, "
        "fuorviante, irreführend, missverständlich, grotendeels onwaar, misleidend"
    ),
    ClaimStatus.FALSE: (
        "false, pants on fire, incorrect, untrue, not true, wrong, fake, fake news, fabricated, "
        "hoax, four pinocchios, inaccurate, baseless, faux, fausse, infox, falso, falsa, bulo, "
        "mentira, falsch, unwahr, onwaar, nep, fals"
    ),
    ClaimStatus.UNVERIFIABLE: (
        "unverifiable, unproven, unsupported, unsubstantiated, no evidence, not verifiable, "
        "cannot be verified, unverified, inconclusive, undetermined, invérifiable, "
        "non vérifiable, non prouvé, sans preuve, inverificable, no verificable, "
        "sin evidencia, sin pruebas, no comprobado, não comprovado, unbelegt, nicht belegt, "
        "onbewezen"
    ),
}


def _normalise_label(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    # Hyphens, underscores and punctuation all read as spaces: "half-true", "mostly_true".
    return " ".join(re.sub(r"[\W_]+", " ", plain).split())


STATUS_BY_LABEL: dict[str, ClaimStatus] = {
    _normalise_label(label): status
    for status, labels in _LABELS.items()
    for label in labels.split(",")
}


def status_for_label(label: str) -> ClaimStatus | None:
    """The status a fact-checker's label means, or None when it is not one we know.

    "False." and "Mostly false: the figures…" are read by what comes before the punctuation.
    """
    whole = _normalise_label(label)
    if whole in STATUS_BY_LABEL:
        return STATUS_BY_LABEL[whole]
    head = re.split(r"[.:;,!(\[\n–—]| - ", label, maxsplit=1)[0]
    return STATUS_BY_LABEL.get(_normalise_label(head))


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.strip().replace(",", "."))
        except ValueError:
            return None
    return None


def rating_on_five(value: Any, best: Any = 5, worst: Any = 1) -> int | None:
    """A rating on the publisher's scale brought to 1..5, or None when it is not usable.

    Many publishers write -1 (or leave it empty) for "no numeric rating".
    """
    number = _number(value)
    top = _number(best) if best not in (None, "") else 5.0
    bottom = _number(worst) if worst not in (None, "") else 1.0
    if number is None or top is None or bottom is None or top == bottom:
        return None
    position = (number - bottom) / (top - bottom)
    if not 0 <= position <= 1:
        return None
    return 1 + int(position * 4 + 0.5)


# --- Dates ---------------------------------------------------------------------------------

_DATE_FORMATS = (
    "%Y/%m/%d",
    "%Y.%m.%d",
    "%d.%m.%Y",
    "%d-%m-%Y",
    "%B %d, %Y",
    "%B %d %Y",
    "%b %d, %Y",
    "%b %d %Y",
    "%b. %d, %Y",
    "%d %B %Y",
    "%d %b %Y",
    "%d %B, %Y",
    "%A, %B %d, %Y",
)


def parse_date(value: Any) -> datetime | None:
    """An aware UTC datetime from the date formats ClaimReview turns up with, else None.

    ISO 8601 (with or without time and zone), RFC 2822, "March 5, 2021", "5 March 2021",
    "05.03.2021", and d/m/Y or m/d/Y when the day gives it away (13/03/2021); an ambiguous
    03/05/2021 is refused rather than guessed.
    """
    if not isinstance(value, str) or not value.strip():
        return None
    text = " ".join(value.strip().split())
    try:
        found: datetime | None = datetime.fromisoformat(text)
    except ValueError:
        found = None
    if found is None:
        try:
            found = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            found = None
    if found is None:
        for fmt in _DATE_FORMATS:
            try:
                found = datetime.strptime(text, fmt)
                break
            except ValueError:
                continue
    if found is None:
        slashed = re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})", text)
        if slashed:
            a, b, year = (int(part) for part in slashed.groups())
            if a > 12 >= b or a == b:
                day, month = a, b
            elif b > 12 >= a:
                month, day = a, b
            else:
                return None
            try:
                found = datetime(year, month, day)
            except ValueError:
                return None
    if found is None or not 1900 <= found.year <= timezone.now().year + 1:
        return None
    if timezone.is_naive(found):
        found = found.replace(tzinfo=UTC)
    return found.astimezone(UTC)
