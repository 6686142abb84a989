"""The editors' admin pages beyond the stock ones: the review form, the reopen form, the CSV
export of the filtered changelist, deleted claims and their restore, the country chart, and the
source page's highlighted text. `claims.admin` wires them into ClaimAdmin.get_urls().
"""

from dataclasses import dataclass
from datetime import timedelta

from django import forms
from django.contrib import messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.http import urlencode
from django_countries import countries as all_countries

from claims.exports import claims_csv_response
from claims.models import (
    Actor,
    Citation,
    Claim,
    ClaimActor,
    ClaimCountry,
    ClaimKind,
    ClaimStatus,
    CountryRole,
    Event,
    Review,
)
from claims.workflow import (
    LABEL,
    Consensus,
    VersionConflict,
    allowed_targets,
    annotate_consensus,
    claim_reopen,
    claim_review,
    may_review,
)
from claimtrack.api import parse_id
from claimtrack.exceptions import validation_messages
from sources.models import Source

# --- Review: the one admin path that changes a claim's status -----------------------------


NO_STATUS_CHOSEN = ("", "— choose a status —")


class ReviewForm(forms.Form):
    """A status change as the workflow takes it; the workflow decides whether it is allowed.

    No status is preselected: pressing Record without choosing one is an error, never a move.
    """

    status = forms.ChoiceField(choices=[NO_STATUS_CHOSEN, *ClaimStatus.choices])
    rationale = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4, "cols": 80}),
        required=False,
        help_text="Why: a sentence or two. Every verdict needs one.",
    )
    citations = forms.TypedMultipleChoiceField(
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="The citations this decision rests on.",
    )
    # The claim's version when the form was opened: a decision on a claim that changed since
    # is refused (the workflow compares it under the row lock).
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args, claim: Claim, user, **kwargs):
        super().__init__(*args, **kwargs)
        # Every status validates (a stale page may post one that is no longer allowed: the
        # workflow then says why), but the menu offers only what this user may choose now.
        allowed = allowed_targets(claim.status, user)
        self.fields["status"].widget.choices = [NO_STATUS_CHOSEN] + [
            (s.value, LABEL[s]) for s in allowed
        ]
        self.fields["citations"].choices = [
            (c.pk, f"#{c.pk} {c.get_stance_display()} ({c.get_anchoring_display()}): {c.quote}")
            for c in claim.citations.select_related("source").order_by("id")
        ]
        self.allowed = allowed


def _claim_or_404(object_id) -> Claim:
    claim_id = parse_id(str(object_id))
    if claim_id is None:
        raise Http404("No such claim.")
    return get_object_or_404(Claim, pk=claim_id)


def _refusals(request, error) -> None:
    """A workflow refusal as messages (one per field problem)."""
    if isinstance(error, ValidationError):
        for text in validation_messages(error):
            messages.error(request, f"Refused: {text}")
    else:
        messages.error(request, f"Refused: {error}")


def review_view(model_admin, request, object_id):
    """GET: the "Record verdict" form; POST: hand it to `claim_review`, refusals as messages."""
    claim = _claim_or_404(object_id)
    if not model_admin.has_view_permission(request, claim):
        raise PermissionDenied
    if request.method == "POST" and not may_review(request.user):
        raise PermissionDenied
    change_url = reverse("admin:claims_claim_change", args=[claim.pk])
    if request.method == "POST":
        form = ReviewForm(request.POST, claim=claim, user=request.user)
        if form.is_valid():
            data = form.cleaned_data
            try:
                review = claim_review(
                    claim=claim,
                    status=data["status"],
                    reviewer=request.user,
                    rationale=data["rationale"],
                    citations=data["citations"],
                    expected_version=data["version"],
                )
            except (ValidationError, PermissionDenied, VersionConflict) as error:
                _refusals(request, error)
            else:
                messages.success(
                    request,
                    f"Recorded: “{claim}” went from {LABEL[review.status_before]} "
                    f"to {LABEL[review.status_after]}.",
                )
                return HttpResponseRedirect(change_url)
    else:
        form = ReviewForm(claim=claim, user=request.user, initial={"version": claim.version})
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": Claim._meta,
        "title": "Record verdict",
        "claim": claim,
        "form": form,
        "change_url": change_url,
        "reviews": claim.reviews.select_related("reviewer")[:20],
    }
    return TemplateResponse(request, "admin/claims/claim/review.html", context)


def send_to_review(model_admin, request, queryset) -> None:
    """Admin action: move each selected claim to "in review" through the workflow."""
    sent = 0
    for claim in queryset.order_by("pk"):
        try:
            claim_review(claim=claim, status=ClaimStatus.IN_REVIEW, reviewer=request.user)
        except ValidationError as error:
            for text in validation_messages(error):
                messages.error(request, f"“{claim}” was not sent: {text}")
        except PermissionDenied as error:
            messages.error(request, f"“{claim}” was not sent: {error}")
        else:
            sent += 1
    if sent:
        messages.success(request, f"Sent {sent} claim(s) to review.")


send_to_review.short_description = "Send to review"
send_to_review.allowed_permissions = ("review",)


# --- Reopen: a claim with a verdict, back to in review so that it can be edited ------------


class ReopenForm(forms.Form):
    """Why the verdict is reopened; kept as the rationale of the reopening review."""

    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4, "cols": 80}),
        max_length=20_000,
        help_text="What should be looked at again. Kept with the review; required.",
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


def reopen_view(model_admin, request, object_id):
    """GET: the "Reopen for editing" form; POST: `claim_reopen`, then back to the claim."""
    claim = _claim_or_404(object_id)
    if not (model_admin.has_view_permission(request, claim) and may_review(request.user)):
        raise PermissionDenied
    change_url = reverse("admin:claims_claim_change", args=[claim.pk])
    if request.method == "POST":
        form = ReopenForm(request.POST)
        if form.is_valid():
            try:
                claim_reopen(
                    claim=claim,
                    user=request.user,
                    reason=form.cleaned_data["reason"],
                    expected_version=form.cleaned_data["version"],
                )
            except (ValidationError, PermissionDenied, VersionConflict) as error:
                _refusals(request, error)
            else:
                messages.success(
                    request,
                    f"Reopened: “{claim}” is in review again and can be edited. Record a "
                    "verdict when it is ready.",
                )
                return HttpResponseRedirect(change_url)
    else:
        form = ReopenForm(initial={"version": claim.version})
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": Claim._meta,
        "title": "Reopen for editing",
        "claim": claim,
        "status_label": LABEL[claim.status],
        "form": form,
        "change_url": change_url,
    }
    return TemplateResponse(request, "admin/claims/claim/reopen.html", context)


# --- CSV export of the filtered changelist ------------------------------------------------


def export_csv_view(model_admin, request):
    """The changelist as it is filtered and searched now, as the API's CSV (same columns)."""
    if not model_admin.has_view_or_change_permission(request):
        raise PermissionDenied
    try:
        changelist: ChangeList = model_admin.get_changelist_instance(request)
    except IncorrectLookupParameters:
        messages.error(request, "The list's filters are not valid; nothing was exported.")
        return HttpResponseRedirect(reverse("admin:claims_claim_changelist"))
    # pk__in: the same rows the changelist shows.
    claims = Claim.objects.filter(pk__in=changelist.queryset.values("pk"))
    return claims_csv_response(claims, request.build_absolute_uri(reverse("claim-list")))


# --- Deleted claims -----------------------------------------------------------------------

# A claim's participants, countries and citations are deleted with it (CASCADE) in the same
# request, just before the claim row; parts deleted earlier than this were removed on purpose.
CASCADE_WINDOW = timedelta(seconds=60)


def deleted_claim_records():
    """The last history record of every claim that is deleted now, newest deletion first."""
    latest = (
        Claim.history.filter(id=OuterRef("id"))
        .order_by("-history_date", "-history_id")
        .values("history_id")[:1]
    )
    return (
        Claim.history.filter(history_type="-")
        .exclude(id__in=Claim.objects.values("pk"))
        .filter(history_id=Subquery(latest))
        .select_related("history_user")
        .order_by("-history_date", "-history_id")
    )


def _parts_deleted_with(record) -> dict:
    """Per part model, the last records of the parts that went with the claim `record`."""
    since = record.history_date - CASCADE_WINDOW
    parts = {}
    for model in (ClaimCountry, ClaimActor, Citation, Review):
        latest: dict[int, object] = {}
        for row in model.history.filter(claim_id=record.id).order_by("history_date", "history_id"):
            latest[row.id] = row
        parts[model] = [
            row
            for row in latest.values()
            if row.history_type == "-"
            and since <= row.history_date <= record.history_date
            and not model.objects.filter(pk=row.id).exists()
        ]
    return parts


@transaction.atomic
def restore_claim(record, user) -> tuple[Claim, list[str]]:
    """Bring a deleted claim back from its last history record, with the parts and the reviews
    deleted with it (same ids; each review with the citations it recorded).

    Returns the claim and what could not be restored (a source or actor deleted since).
    """
    claim = record.instance
    if claim.event_id and not Event.objects.filter(pk=claim.event_id).exists():
        claim.event_id = None
    claim._history_user = user
    claim._change_reason = "restored after deletion"
    claim.save(force_insert=True)
    skipped: list[str] = []
    parts = _parts_deleted_with(record)
    # Countries first: saving participants derives country rows, and a restored hand-entered
    # row must not collide with a freshly derived one (or the reverse).
    for row in parts[ClaimCountry]:
        existing = ClaimCountry.objects.filter(
            claim=claim, country=row.country, role=row.role
        ).first()
        if existing is None:
            country = row.instance
            country._history_user = user
            country.restoring_with_claim = True  # what was judged comes back (integrity guard)
            country.save(force_insert=True)
        elif existing.derived != row.derived:
            ClaimCountry.objects.filter(pk=existing.pk).update(derived=row.derived)
    for row in parts[ClaimActor]:
        if not Actor.objects.filter(pk=row.actor_id).exists():
            skipped.append(f"participant #{row.id} (its actor was deleted)")
            continue
        if ClaimActor.objects.filter(claim=claim, actor_id=row.actor_id, role=row.role).exists():
            continue
        participant = row.instance
        participant._history_user = user
        participant.restoring_with_claim = True
        participant.save(force_insert=True)
    for row in parts[Citation]:
        if not Source.objects.filter(pk=row.source_id).exists():
            skipped.append(f"citation #{row.id} (its source was deleted)")
            continue
        citation = row.instance
        citation._history_user = user
        citation.restoring_with_claim = True
        citation.save(force_insert=True)
    for row in parts[Review]:
        review = row.instance
        review._history_user = user
        review.save()  # an insert with its old id (Review.save never updates)
        review.citations.set(Citation.objects.filter(claim=claim, pk__in=review.cited_ids))
    return claim, skipped


def deleted_claims_view(model_admin, request):
    """GET: the deleted claims, newest deletion first; POST `history_id`: restore one.

    For those who may delete claims (`claims.delete_claim`): they manage what is deleted."""
    if not model_admin.has_delete_permission(request):
        raise PermissionDenied
    if request.method == "POST":
        history_id = parse_id(request.POST.get("history_id"))
        record = (
            deleted_claim_records().filter(history_id=history_id).first()
            if history_id is not None
            else None
        )
        if record is None:
            messages.error(
                request, "history_id: no deleted claim with that history record (restored?)."
            )
        else:
            claim, skipped = restore_claim(record, request.user)
            url = reverse("admin:claims_claim_change", args=[claim.pk])
            messages.success(
                request, format_html('Restored <a href="{}">“{}”</a>.', url, str(claim))
            )
            for what in skipped:
                messages.warning(request, f"Not restored: {what}.")
        return HttpResponseRedirect(reverse("admin:claims_claim_deleted"))
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": Claim._meta,
        "title": "Deleted claims",
        "records": deleted_claim_records()[:200],
    }
    return TemplateResponse(request, "admin/claims/claim/deleted.html", context)


# --- The reviewer's queue -----------------------------------------------------------------

QUEUE_LENGTH = 100


def review_queue(limit: int = QUEUE_LENGTH):
    """Claims waiting for a decision, longest waiting first: those in review (since they were
    sent) and verdicts whose evidence moved (since the verdict), with their evidence."""
    # Imported here: claims.admin imports this module.
    from claims.admin import _citation_total

    last_review = (
        Review.objects.filter(claim=OuterRef("pk"))
        .order_by("-created_at", "-pk")
        .values("created_at")[:1]
    )
    waiting = Claim.objects.filter(Q(status=ClaimStatus.IN_REVIEW) | Q(needs_rereview=True))
    return (
        annotate_consensus(waiting)
        .annotate(
            waiting_since=Coalesce(Subquery(last_review), F("created_at")),
            citation_total=_citation_total(),
        )
        .order_by("waiting_since", "pk")[:limit]
    )


def review_queue_view(model_admin, request):
    """The reviewer's page: what waits for a decision, and their own latest decisions."""
    if not model_admin.has_view_permission(request):
        raise PermissionDenied
    now = timezone.now()
    claims = list(review_queue())
    for claim in claims:
        claim.waiting_days = (now - claim.waiting_since).days
        claim.consensus_label = Consensus(claim.consensus).label
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": Claim._meta,
        "title": "Waiting for a decision",
        "claims": claims,
        "shown": QUEUE_LENGTH,
        "may_review": may_review(request.user),
        "decisions": Review.objects.filter(reviewer=request.user)
        .select_related("claim")
        .order_by("-created_at", "-pk")[:20],
    }
    return TemplateResponse(request, "admin/claims/claim/queue.html", context)


# --- Claims by country and status, as server-side SVG -------------------------------------

STATUS_COLOURS = {
    ClaimStatus.UNVERIFIED: "#8a8f98",
    ClaimStatus.IN_REVIEW: "#2f6fb5",
    ClaimStatus.CONFIRMED: "#2e7d32",
    ClaimStatus.MOSTLY_TRUE: "#7cb342",
    ClaimStatus.MIXED: "#f9a825",
    ClaimStatus.MISLEADING: "#ef6c00",
    ClaimStatus.FALSE: "#c62828",
    ClaimStatus.UNVERIFIABLE: "#6d4c41",
}


@dataclass
class Segment:
    """One status's part of a country's bar."""

    status: ClaimStatus
    count: int
    x: float
    width: float
    url: str
    colour: str


@dataclass
class Bar:
    """A country's row in the chart."""

    code: str
    name: str
    total: int
    y: int
    url: str
    segments: list[Segment]


CHART_WIDTH = 560  # the bar area in SVG units; labels sit left of it, totals right
ROW_HEIGHT = 26


def country_chart_bars(role: str | None = None) -> list[Bar]:
    """Claims per country (optionally in one country role), split by status, largest first."""
    rows = ClaimCountry.objects.all()
    if role:
        rows = rows.filter(role=role)
    per_country: dict[str, dict[str, int]] = {}
    for (code, status), n in rows.claims_per_country("claim__status").items():
        per_country.setdefault(code, {})[status] = n
    totals = rows.claims_per_country()
    changelist = reverse("admin:claims_claim_changelist")
    largest = max(totals.values(), default=1)
    bars = []
    ordered = sorted(totals, key=lambda code: (-totals[code], all_countries.name(code)))
    for index, code in enumerate(ordered):
        base = {"country": code, **({"country_role": role} if role else {})}
        x = 0.0
        segments = []
        for status in ClaimStatus:
            n = per_country[code].get(status, 0)
            if not n:
                continue
            width = CHART_WIDTH * n / largest
            segments.append(
                Segment(
                    status=status,
                    count=n,
                    x=round(x, 2),
                    width=round(width, 2),
                    url=f"{changelist}?{urlencode({**base, 'status__exact': status.value})}",
                    colour=STATUS_COLOURS[status],
                )
            )
            x += width
        bars.append(
            Bar(
                code=code,
                name=all_countries.name(code),
                total=totals[code],
                y=index * ROW_HEIGHT,
                url=f"{changelist}?{urlencode(base)}",
                segments=segments,
            )
        )
    return bars


def country_chart_view(model_admin, request):
    """The chart page: for each country with claims, its claims by status; bars link on."""
    if not model_admin.has_view_or_change_permission(request):
        raise PermissionDenied
    role = request.GET.get("role", "")
    if role and role not in CountryRole.values:
        messages.error(request, f"role: {role!r} is not a country role; showing every role.")
        role = ""
    bars = country_chart_bars(role or None)
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": Claim._meta,
        "title": "Claims by country",
        "bars": bars,
        "role": role,
        "roles": CountryRole.choices,
        "legend": [(s, s.label, STATUS_COLOURS[s]) for s in ClaimStatus],
        "chart_width": CHART_WIDTH,
        "row_height": ROW_HEIGHT,
        "svg_height": max(len(bars), 1) * ROW_HEIGHT,
    }
    return TemplateResponse(request, "admin/claims/claim/chart.html", context)


# --- The source page: its text with the cited quotes highlighted --------------------------


def highlighted_text(text: str, citations) -> str:
    """`text` as HTML with each anchored citation's passage in a <mark> by anchoring state.

    Overlapping quotes are cut at every boundary, so each piece names all the citations that
    cover it.
    """
    spans = [
        c
        for c in citations
        if c.start is not None and c.end is not None and 0 <= c.start < c.end <= len(text)
    ]
    cuts = sorted({0, len(text), *(c.start for c in spans), *(c.end for c in spans)})
    pieces = []
    for start, end in zip(cuts, cuts[1:], strict=False):
        covering = [c for c in spans if c.start <= start and end <= c.end]
        if not covering:
            pieces.append(format_html("{}", text[start:end]))
            continue
        state = covering[0].anchoring
        ids = " ".join(f"citation-{c.pk}" for c in covering)
        label = ", ".join(
            f"#{c.pk} {c.get_stance_display()} ({c.get_anchoring_display()})" for c in covering
        )
        pieces.append(
            format_html(
                '<mark class="quote anchoring-{}" data-citations="{}" title="{}">{}</mark>',
                state,
                ids,
                label,
                text[start:end],
            )
        )
    return format_html_join("", "{}", ((p,) for p in pieces))


def passage_in_context(citation: Citation, around: int = 160) -> str:
    """The anchored passage with some text either side, the passage highlighted."""
    text = citation.source.text if citation.source_id else ""
    if citation.start is None or citation.end is None or citation.end > len(text):
        return format_html(
            '<span class="quote-missing">Not found in the source’s text ({}).</span>',
            citation.get_anchoring_display(),
        )
    before = text[max(citation.start - around, 0) : citation.start]
    after = text[citation.end : citation.end + around]
    return format_html(
        '<div class="passage">{}{}<mark class="quote anchoring-{}">{}</mark>{}{}</div>',
        "…" if citation.start > around else "",
        before,
        citation.anchoring,
        text[citation.start : citation.end],
        after,
        "…" if citation.end + around < len(text) else "",
    )


def suggestion_add_url(suggestion: dict) -> str:
    """The claim add form pre-filled from a suggestion (see ClaimAdmin.prefill_from_get)."""
    citation = suggestion["citation"]
    params = [
        ("statement", suggestion["statement"]),
        ("kind", suggestion["kind"]),
        ("source", citation["source"]),
        ("quote", citation["quote"]),
        ("prefix", citation["prefix"]),
        ("suffix", citation["suffix"]),
        ("stance", citation["stance"]),
        *(("country", c["code"]) for c in suggestion["countries"]),
        *(("actor", actor_id) for actor_id in suggestion["participants"]),
    ]
    return f"{reverse('admin:claims_claim_add')}?{urlencode(params)}"


def _recorded_as(suggestion: dict, citations: list[Citation]) -> list[Claim]:
    """The claims of the suggestion's kind that already cite its sentence (any overlap)."""
    start, end = suggestion["citation"]["start"], suggestion["citation"]["end"]
    claims = {
        c.claim_id: c.claim
        for c in citations
        if c.start is not None
        and c.start < end
        and start < c.end
        and c.claim.kind == suggestion["kind"]
    }
    return list(claims.values())


def _unique_actor_mentions(mentions: list[dict]) -> list[dict]:
    return list({m["actor_id"]: m for m in mentions if m["kind"] == "actor"}.values())


def source_claims_context(source: Source) -> dict:
    """What the source page shows beside the stock form: cited quotes, mentions, suggestions."""
    # Imported here: the suggestions module is the sources issue's (it may load rules lazily).
    from claims.suggestions import source_mentions, source_suggestions

    citations = list(
        Citation.objects.filter(source=source).select_related("claim").order_by("start", "id")
    )
    mentions = source_mentions(source)
    countries_named: dict[str, list] = {}
    actors_named: dict[int, list] = {}
    names: dict[int, str] = {}
    for mention in mentions.items:
        if mention.kind == "country":
            countries_named.setdefault(mention.key, []).append(mention)
        else:
            actors_named.setdefault(mention.key, []).append(mention)
            names[mention.key] = mention.name
    found = source_suggestions(source)
    kind_label = dict(ClaimKind.choices)
    # Copies: the cached suggestions are shared with the API and must not change.
    suggestions = [
        {
            **suggestion,
            "kind_label": kind_label.get(suggestion["kind"], suggestion["kind"]),
            "add_url": suggestion_add_url(suggestion),
            "participant_names": [
                m["name"] for m in _unique_actor_mentions(suggestion["mentions"])
            ],
            "recorded_as": _recorded_as(suggestion, citations),
        }
        for suggestion in found.items
    ]
    return {
        "highlighted_text": highlighted_text(source.text or "", citations),
        "source_citations": citations,
        "unanchored_citations": [c for c in citations if c.start is None],
        "country_mentions": sorted(
            (
                (code, all_countries.name(code), len(found))
                for code, found in countries_named.items()
            ),
            key=lambda row: -row[2],
        ),
        "actor_mentions": sorted(
            ((pk, names.get(pk, f"#{pk}"), len(found)) for pk, found in actors_named.items()),
            key=lambda row: -row[2],
        ),
        "suggestions": suggestions,
        "mentions_truncated": mentions.truncated,
        "suggestions_truncated": found.truncated,
    }
