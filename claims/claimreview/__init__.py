"""schema.org ClaimReview: claimtrack's verdicts out as JSON-LD, other fact-checkers' in.

Out (`export`): `claim_to_claimreview` (one claim), `claimreview_graph` (a feed page), and
`with_claimreview_relations` to fetch what they read in a fixed number of queries.
In (`imports`): `import_claimreview` reads one ClaimReview, a list, an `@graph`, a DataCommons
DataFeed or a Google Fact Check Tools `claims:search` response into external reviews (other
organisations' verdicts, never ours), and reports per record what it did; `ratings` says what
other fact-checkers' labels (the RatingLabel table), numbers and dates mean.
"""

from claims.claimreview.export import (
    NoVerdict,
    claim_to_claimreview,
    claimreview_graph,
    jsonld_script,
    public_claim_url,
    with_claimreview_relations,
)
from claims.claimreview.imports import ImportFormatError, ImportReport, import_claimreview
from claims.claimreview.ratings import (
    LabelTable,
    date_from_url,
    normalise_label,
    parse_date,
    rating_on_five,
)

__all__ = [
    "ImportFormatError",
    "ImportReport",
    "LabelTable",
    "NoVerdict",
    "claim_to_claimreview",
    "claimreview_graph",
    "date_from_url",
    "import_claimreview",
    "jsonld_script",
    "public_claim_url",
    "normalise_label",
    "parse_date",
    "rating_on_five",
    "with_claimreview_relations",
]
