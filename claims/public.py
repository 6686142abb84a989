"""Public HTML pages: what a reader or a search engine opens (the ClaimReview `url`)."""

from django.shortcuts import get_object_or_404, render

from claims.claimreview.export import (
    NoVerdict,
    claim_to_claimreview,
    jsonld_script,
    with_claimreview_relations,
)
from claims.models import Claim, ClaimStatus
from claims.workflow import LABEL


def claim_page(request, pk: int):
    """One claim: its statement, its status, and its ClaimReview as JSON-LD once it has one."""
    claim = get_object_or_404(with_claimreview_relations(Claim.objects.all()), pk=pk)
    try:
        claimreview = claim_to_claimreview(claim, request=request)
    except NoVerdict:
        claimreview = None
    return render(
        request,
        "public/claim.html",
        {
            "claim": claim,
            "status_label": LABEL[ClaimStatus(claim.status)],
            "judged": claimreview["claimReviewed"] if claimreview else "",
            "jsonld": jsonld_script(claimreview) if claimreview else "",
        },
    )
