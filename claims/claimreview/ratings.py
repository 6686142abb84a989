"""What other fact-checkers' ratings, labels and dates mean in claimtrack's terms."""

import csv
import math
import re
import unicodedata
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from django.utils import timezone

from claims.models import ClaimStatus, RatingBucket, RatingLabel
from claims.workflow import RATING

# --- Ratings and labels -------------------------------------------------------------------

STATUS_BY_RATING: dict[int, ClaimStatus] = {
    value: status for status, value in RATING.items() if value is not None
}

LABELS_CSV = Path(__file__).with_name("labels.csv")

# A verdict word followed by its explanation: "FALSO: …", "False. The photo…", "Mostly false –".
_HEAD = re.compile(r"[.:;,!?(\[\n\r|–—]| - ")


def normalise_label(text: str) -> str:
    """A label as compared: lower case, no accents, punctuation and underscores as spaces."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    # Hyphens, underscores and punctuation all read as spaces: "half-true", "mostly_true".
    return " ".join(re.sub(r"[\W_]+", " ", plain).split())


def label_head(label: str) -> str:
    """The label's leading verdict, before its explanation ("FALSO: el vídeo…" → "FALSO")."""
    return _HEAD.split(label.strip(), maxsplit=1)[0]


class LabelTable:
    """The rating label table (claims.RatingLabel) held in memory for one import.

    `find` matches a label in the record's language first, then a label for any language; the
    whole label first, then its leading verdict word. `find_or_add` records a label that
    matches nothing as `unmapped`, so an editor can map it once in the admin.
    """

    def __init__(self):
        self.by_key: dict[str, list[RatingLabel]] = {}
        for row in RatingLabel.objects.order_by("id"):
            self.by_key.setdefault(row.key, []).append(row)

    def _lookup(self, key: str, language: str):
        rows = self.by_key.get(key, [])
        base = language.split("-")[0].lower()
        for wanted in (language, base, ""):
            for row in rows:
                if row.language == wanted:
                    return row
        return rows[0] if rows else None

    def find(self, label: str, language: str = ""):
        """The RatingLabel the label matches, or None."""
        found = self._lookup(normalise_label(label), language)
        if found is None or found.bucket == RatingBucket.UNMAPPED:
            head = normalise_label(label_head(label))
            by_head = self._lookup(head, language) if head else None
            if by_head is not None and by_head.bucket != RatingBucket.UNMAPPED:
                return by_head
        return found

    def find_or_add(self, label: str, language: str = ""):
        """`(row, added)`: the matching RatingLabel, or a new unmapped one for this label."""
        found = self.find(label, language)
        if found is not None:
            return found, False
        row = RatingLabel(label=label[:500], language=language, bucket=RatingBucket.UNMAPPED)
        row.note = "Met in an import; not mapped yet."
        row.save()
        self.by_key.setdefault(row.key, []).append(row)
        return row, True


def seed_rating_labels(model) -> int:
    """Load labels.csv into the RatingLabel table `model` (a migration's historical model):
    the rows not there yet (by key and language; the first row of the file wins), in one
    write, without audit rows. Returns how many it added."""
    existing = set(model.objects.values_list("key", "language"))
    rows = {}
    with LABELS_CSV.open(encoding="utf-8", newline="") as file:
        for row in csv.DictReader(file):
            identity = (normalise_label(row["label"])[:500], row["language"])
            if identity in existing or identity in rows:
                continue
            rows[identity] = model(
                key=identity[0],
                language=identity[1],
                label=row["label"][:500],
                bucket=row["bucket"],
                note="; ".join(part for part in (row["source"], row["note"]) if part),
            )
    model.objects.bulk_create(rows.values())
    return len(rows)


def finite_number(value: Any) -> float | None:
    """A finite number from a record's field (a number, or a string with a decimal point or
    comma), else None: a boolean, infinity or NaN is no rating."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        found = float(value.strip().replace(",", ".") if isinstance(value, str) else value)
    except ValueError:
        return None
    return found if math.isfinite(found) else None


def rating_on_five(value: Any, best: Any = 5, worst: Any = 1) -> int | None:
    """A rating on the publisher's scale brought to 1..5, or None when it is not usable.

    Many publishers write -1 (or leave it empty) for "no numeric rating".
    """
    rating = finite_number(value)
    top = finite_number(best) if best not in (None, "") else 5.0
    bottom = finite_number(worst) if worst not in (None, "") else 1.0
    if rating is None or top is None or bottom is None or top == bottom:
        return None
    position = (rating - bottom) / (top - bottom)
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


_MONTHS = {
    name: number
    for number, name in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"),
        start=1,
    )
}
_DATE_IN_PATH = (
    # /2020/03/27/, /2022/oct/28/
    re.compile(r"/((?:19|20)\d\d)/(\d\d?|[a-z]{3})/(\d\d?)(?=/|$)", re.IGNORECASE),
    # /20221008/ or -20221008-
    re.compile(r"[/_-]((?:19|20)\d\d)(\d\d)(\d\d)(?=[/_.-]|$)"),
    # -2021-11-08 or /2021-11-08/
    re.compile(r"[/_-]((?:19|20)\d\d)-(\d\d)-(\d\d)(?=[/_.-]|$)"),
)


def date_from_url(url: str) -> datetime | None:
    """The date a review URL's path states (`/2020/03/27/`, `/2022/oct/28/`, `-2021-11-08`).

    Only a full year-month-day counts; None when the path has none or it is not a real date.
    """
    path = urlsplit(url).path if isinstance(url, str) else ""
    for pattern in _DATE_IN_PATH:
        for found in pattern.finditer(path):
            year, month, day = found.groups()
            month_number = _MONTHS.get(month.lower()[:3]) if month.isalpha() else int(month)
            try:
                moment = datetime(int(year), month_number or 0, int(day), tzinfo=UTC)
            except ValueError:
                continue
            if moment <= timezone.now():
                return moment
    return None
