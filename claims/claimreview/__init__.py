"""schema.org ClaimReview: claimtrack's verdicts out as JSON-LD, other fact-checkers' in.

Out (`export`): `claim_to_claimreview` (one claim), `claimreview_graph` (a feed page), and
`with_claimreview_relations` to fetch what they read in a fixed number of queries.
In (`imports`): `import_claimreview` reads one ClaimReview, a list, an `@graph`, or a Google
Fact Check Tools `claims:search` response, and reports per record what it did; `ratings`
says what other fact-checkers' labels, numbers and dates mean.
"""

from claims.claimreview.export import (
    NoVerdict,
    claim_to_claimreview,
    claimreview_graph,
    with_claimreview_relations,
)
from claims.claimreview.imports import ImportFormatError, ImportReport, import_claimreview
from claims.claimreview.ratings import parse_date, rating_on_five, status_for_label

__all__ = [
    "ImportFormatError",
    "ImportReport",
    "NoVerdict",
    "claim_to_claimreview",
    "claimreview_graph",
    "import_claimreview",
    "parse_date",
    "rating_on_five",
    "status_for_label",
    "with_claimreview_relations",
]
