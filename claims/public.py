"""The public pages: read-only, no login, server-rendered, working without JavaScript.

Home, a claim (the ClaimReview `url`, with its JSON-LD embedded), a country, a topic with its
world map as of a date (and the map alone as an embeddable SVG), an event, and search. Every
page answers GET and HEAD only, carries an ETag (and Last-Modified where one row dates it), is
cacheable by shared caches for anonymous readers, and answers a bad query with a 400 page
naming the parameter.
"""

import datetime
import functools

from django import forms
from django.core.paginator import EmptyPage, Paginator
from django.db.models import Count, Prefetch
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import (
    get_conditional_response,
    patch_cache_control,
    patch_vary_headers,
    set_response_etag,
)
from django.utils.functional import cached_property
from django.utils.http import http_date
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_safe
from django_countries import countries as all_countries

from claims import positions as position_rules
from claims.claimreview import NoVerdict, claim_to_claimreview
from claims.claimreview.export import jsonld_script
from claims.history import claim_history
from claims.maps import (
    NEUTRAL_FILL,
    LegendEntry,
    Region,
    palette,
    render_legend_html,
    render_world_svg,
    world_codes,
)
from claims.models import (
    Citation,
    Claim,
    ClaimActor,
    ClaimCountry,
    ClaimKind,
    ClaimStatus,
    CountryRole,
    Event,
    Topic,
    claim_path,
)
from claims.representation import country_name
from claims.templatetags.public_tags import status_badge
from claims.workflow import LABEL, VERDICTS, current_verdict
from claimtrack.api import CountryCodeFormField

PAGE_SIZE = 20
MAX_PAGE = 500  # deeper pages: narrow the search instead (no unbounded OFFSET)
CONTEXT_CHARS = 160  # text shown around a quote on each side
ANONYMOUS_MAX_AGE = 60  # seconds a shared cache may keep a page for anonymous readers
EXTERNAL_REVIEWS_SHOWN = 50
CHANGES_SHOWN = 20
TIMELINE_SHOWN = 100  # the latest changes a topic page lists
COUNT_CAP = 1_000  # claims a country page counts exactly per role; more read "1,000+"
TOPICS_SHOWN = 20  # topics listed on a country page (and on the home page)


class BadQuery(Exception):
    """A query parameter a page cannot use: answered 400 naming it."""

    def __init__(self, errors: dict[str, list[str]]):
        self.errors = errors


def public_page(view):
    """GET/HEAD only; a 400 page for BadQuery; ETag, conditional answers and Cache-Control."""

    @require_safe
    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        try:
            response = view(request, *args, **kwargs)
        except BadQuery as bad:
            response = render(
                request, "public/bad_request.html", {"errors": bad.errors}, status=400
            )
        if response.status_code != 200:
            return response
        if not response.has_header("ETag"):
            set_response_etag(response)
        last_modified = getattr(response, "last_modified", None)
        if last_modified is not None:
            response["Last-Modified"] = http_date(last_modified.timestamp())
        if request.user.is_authenticated:
            patch_cache_control(response, private=True, no_cache=True)
        else:
            patch_cache_control(response, public=True, max_age=ANONYMOUS_MAX_AGE)
        patch_vary_headers(response, ["Cookie"])
        return get_conditional_response(
            request,
            etag=response["ETag"],
            last_modified=last_modified.timestamp() if last_modified else None,
            response=response,
        )

    return wrapped


def _read(form_class, params) -> dict:
    form = form_class(params)
    if not form.is_valid():
        raise BadQuery({field: [str(e) for e in errors] for field, errors in form.errors.items()})
    return form.cleaned_data


# --- home and search ------------------------------------------------------------------------


@public_page
def home(request):
    topics = Topic.objects.all()[:TOPICS_SHOWN]
    judged = (
        Claim.objects.filter(status__in=VERDICTS)
        .order_by("-updated_at", "-id")
        .only("id", "statement", "status", "occurred_on")[:10]
    )
    recent = Claim.objects.order_by("-id").only("id", "statement", "status", "occurred_on")[:10]
    return render(
        request,
        "public/home.html",
        {"topics": topics, "judged": judged, "recent": recent, "labels": LABEL},
    )


class SearchForm(forms.Form):
    q = forms.CharField(required=False, max_length=200, strip=True)
    country = CountryCodeFormField(required=False)
    status = forms.ChoiceField(required=False, choices=[("", "any"), *ClaimStatus.choices])
    kind = forms.ChoiceField(required=False, choices=[("", "any"), *ClaimKind.choices])
    page = forms.IntegerField(required=False, min_value=1, max_value=MAX_PAGE)


# Pages reach the newest MAX_PAGE * PAGE_SIZE matches; the count and the facets read no more
# (and one more, to say "10,000+"), so that a search costs the same at any size of the data.
SEARCH_SPAN = MAX_PAGE * PAGE_SIZE


class SpanPaginator(Paginator):
    """A paginator that counts the matches up to SEARCH_SPAN + 1, not all of them."""

    @cached_property
    def count(self) -> int:
        return self.object_list[: SEARCH_SPAN + 1].count()


def _facets(queryset) -> dict[str, list[tuple[str, str, int]]]:
    """(value, label, count) per status, kind and country of the newest SEARCH_SPAN matching
    claims (all of them when there are no more)."""
    ids = queryset.order_by("-id").values("id")[:SEARCH_SPAN]
    among = Claim.objects.filter(pk__in=ids).order_by()
    status = among.values_list("status").annotate(n=Count("id"))
    kind = among.values_list("kind").annotate(n=Count("id"))
    country = (
        ClaimCountry.objects.filter(claim_id__in=ids)
        .order_by()
        .values_list("country")
        .annotate(n=Count("claim", distinct=True))
        .order_by("-n", "country")[:30]
    )
    kinds = dict(ClaimKind.choices)
    return {
        "status": sorted(((v, LABEL[v], n) for v, n in status), key=lambda f: -f[2]),
        "kind": sorted(((v, kinds[v], n) for v, n in kind), key=lambda f: -f[2]),
        "country": [(v, country_name(v), n) for v, n in country],
    }


@public_page
def search(request):
    query = _read(SearchForm, request.GET)
    claims = Claim.objects.all()
    if query["q"]:
        claims = claims.search(query["q"])
    if query["country"]:
        claims = claims.for_country(query["country"])
    if query["status"]:
        claims = claims.filter(status=query["status"])
    if query["kind"]:
        claims = claims.filter(kind=query["kind"])
    paginator = SpanPaginator(
        claims.order_by("-id").only("id", "statement", "status", "kind"), PAGE_SIZE
    )
    try:
        page = paginator.page(query["page"] or 1)
    except EmptyPage:
        raise BadQuery({"page": [f"Give a page from 1 to {paginator.num_pages}."]}) from None
    params = {k: v for k, v in request.GET.items() if k != "page" and v}
    return render(
        request,
        "public/search.html",
        {
            "query": query,
            "page": page,
            "facets": _facets(claims),
            "beyond_span": paginator.count > SEARCH_SPAN,
            "span": f"{SEARCH_SPAN:,}",
            "params": params,
            "labels": LABEL,
            "statuses": ClaimStatus.choices,
            "kinds": ClaimKind.choices,
        },
    )


# --- one claim ------------------------------------------------------------------------------


def quote_in_context(citation: Citation) -> dict:
    """The quote with the text around it: from the source where the quote is anchored, else
    the stored prefix and suffix."""
    text = citation.source.text
    if citation.start is not None and citation.end is not None and text:
        before = text[max(0, citation.start - CONTEXT_CHARS) : citation.start]
        return {
            "before": ("…" if citation.start > CONTEXT_CHARS else "") + before,
            "quote": text[citation.start : citation.end],
            "after": text[citation.end : citation.end + CONTEXT_CHARS]
            + ("…" if citation.end + CONTEXT_CHARS < len(text) else ""),
        }
    return {"before": citation.prefix, "quote": citation.quote, "after": citation.suffix}


@public_page
def claim_page(request, pk: int):
    claim = get_object_or_404(
        Claim.objects.select_related("event", "position__topic").prefetch_related(
            Prefetch("participants", queryset=ClaimActor.objects.select_related("actor")),
            Prefetch("countries", queryset=ClaimCountry.objects.order_by("role", "country")),
            Prefetch(
                "citations", queryset=Citation.objects.select_related("source").order_by("id")
            ),
        ),
        pk=pk,
    )
    verdict = current_verdict(claim) if claim.status in VERDICTS else None
    claimreview, judged = None, ""
    if verdict is not None:
        try:
            node = claim_to_claimreview(claim, request=request)
        except NoVerdict:  # a verdict whose review kept no statement: nothing to publish
            node = None
        if node is not None:
            claimreview, judged = jsonld_script(node), node["claimReviewed"]
    roles = dict(CountryRole.choices)
    countries: dict[str, list] = {}
    for row in claim.countries.all():
        countries.setdefault(roles[row.role], []).append(row.country.code)
    participants: dict[str, list] = {}
    for row in claim.participants.all():
        participants.setdefault(row.get_role_display(), []).append(row.actor)
    changes = [
        {"at": entry["at"], "summary": entry["summary"], "reason": entry["reason_display"]}
        for entry in claim_history(claim.pk, limit=CHANGES_SHOWN, changes=False)
    ]
    response = render(
        request,
        "public/claim.html",
        {
            "claim": claim,
            "status_label": LABEL[claim.status],
            "verdict": verdict,
            "claimreview": claimreview,
            # The verdict was given on the statement as it then read (claims.integrity).
            "judged": judged if judged != claim.statement else "",
            # Other fact-checkers' verdicts: evidence, shown apart from ours (issue 13).
            "external_reviews": claim.external_reviews.select_related("publisher").order_by(
                "-published_at", "id"
            )[:EXTERNAL_REVIEWS_SHOWN],
            "citations": [(c, quote_in_context(c)) for c in claim.citations.all()],
            "countries": [
                (role, [(code, country_name(code)) for code in codes])
                for role, codes in countries.items()
            ],
            "participants": participants.items(),
            "changes": changes,
        },
    )
    response.last_modified = claim.updated_at
    return response


# --- countries, events ----------------------------------------------------------------------


def _alpha2(code: str) -> str:
    found = all_countries.alpha2(code) if code.isalpha() else ""
    if not found:
        raise Http404("No such country code.")
    return found


@public_page
def country_page(request, code: str):
    code = _alpha2(code)
    newest = ClaimCountry.objects.newest_per_role(code, shown=PAGE_SIZE, cap=COUNT_CAP)
    by_role: dict[str, dict] = {}
    roles = dict(CountryRole.choices)
    kinds = dict(ClaimKind.choices)
    for role in CountryRole.values:
        if role not in newest:
            continue
        claims, n = newest[role]
        by_role[roles[role]] = {
            "count_label": f"{COUNT_CAP:,}+" if n > COUNT_CAP else f"{n:,}",
            "more_than_shown": n > len(claims),
            # Plain strings per row: no URL lookup or template tag per claim.
            "rows": [
                (claim_path(pk), statement, kinds.get(kind, kind), status_badge(status))
                for pk, statement, kind, status in claims
            ],
            "more": f"{reverse('public-search')}?country={code}",
        }
    # The country's statements on every topic in one query (not one per topic).
    today = timezone.localdate()
    topics = [
        {
            "topic": topic,
            "timeline": timeline,
            "current": position_rules.latest_positions(timeline, today),
        }
        for topic, timeline in position_rules.timelines_of(code)[:TOPICS_SHOWN]
    ]
    return render(
        request,
        "public/country.html",
        {
            "code": code,
            "alpha3": all_countries.alpha3(code),
            "name": country_name(code),
            "by_role": by_role,
            "topics": topics,
            "labels": LABEL,
        },
    )


@public_page
def event_page(request, pk: int):
    event = get_object_or_404(Event, pk=pk)
    attendance = (
        ClaimActor.objects.filter(claim__event=event)
        .select_related("actor", "claim")
        .order_by("actor__name", "claim_id")[:200]
    )
    claims = event.claims.order_by("-id").only("id", "statement", "status")[:200]
    return render(
        request,
        "public/event.html",
        {"event": event, "attendance": attendance, "claims": claims, "labels": LABEL},
    )


# --- topics and the map ---------------------------------------------------------------------


class AsOfForm(forms.Form):
    as_of = forms.DateField(
        required=False,
        input_formats=["%Y-%m-%d"],
        error_messages={"invalid": "Give a date as YYYY-MM-DD."},
    )

    def clean_as_of(self) -> datetime.date:
        return self.cleaned_data.get("as_of") or timezone.localdate()


UNESTABLISHED_LEGEND = "Resting on an unverified or disputed claim (hatched)"


def topic_map(
    topic: Topic, as_of: datetime.date, *, standalone: bool = False, timeline=None
) -> dict:
    """The topic's map as of `as_of`: the SVG, its legend and the positions it shows (from
    `timeline`, the topic's statements, when the caller has read them already)."""
    vocabulary = list(topic.positions.all())
    colours = dict(zip((p.pk for p in vocabulary), palette(len(vocabulary)), strict=True))
    drawable = world_codes()
    if timeline is None:
        shown = position_rules.positions_as_of(topic, as_of)
    else:
        shown = position_rules.latest_positions(timeline, as_of)
    regions = {}
    for stated in shown:
        if stated.country not in drawable:
            continue
        label = f"{stated.country_name}: {stated.position.label}"
        if not stated.established:
            label += f" ({stated.standing} claim)"
        regions[stated.country] = Region(
            colours[stated.position.pk],
            label,
            stated.claim_path,
            hatched=not stated.established,
        )
    legend = [
        LegendEntry(
            p.label,
            colours[p.pk],
            sum(1 for s in shown if s.position.pk == p.pk and s.established),
        )
        for p in vocabulary
    ]
    unestablished = sum(1 for s in shown if not s.established)
    if unestablished:
        legend.append(LegendEntry(UNESTABLISHED_LEGEND, NEUTRAL_FILL, unestablished, hatched=True))
    legend.append(LegendEntry("No position stated", NEUTRAL_FILL, len(drawable) - len(regions)))
    title = f"{topic.question}: positions as of {as_of.isoformat()}"
    svg = render_world_svg(
        regions,
        title=title,
        description="Each coloured country links to the claim its position rests on.",
        legend=legend if standalone else (),
        caption="claimtrack" if standalone else "",
        standalone=standalone,
        id_prefix=f"map-{topic.pk}",
    )
    return {"svg": svg, "legend": legend, "shown": shown, "title": title}


@public_page
def topic_page(request, slug: str):
    topic = get_object_or_404(Topic.objects.prefetch_related("positions"), slug=slug)
    as_of = _read(AsOfForm, request.GET)["as_of"]
    timeline = position_rules.timeline(topic)
    drawn = topic_map(topic, as_of, timeline=timeline)
    dates = sorted({s.occurred_on for s in timeline})
    # The latest changes; the whole timeline is the API's and the CSV's (and each country's
    # page has its own), so that the page does not grow with the data.
    return render(
        request,
        "public/topic.html",
        {
            "topic": topic,
            "as_of": as_of,
            "map": mark_safe(drawn["svg"]),  # claims.maps escapes every text it draws
            "legend": mark_safe(render_legend_html(drawn["legend"], id_prefix=f"map-{topic.pk}")),
            "shown": drawn["shown"],
            "timeline": timeline[-TIMELINE_SHOWN:],
            "earlier": max(0, len(timeline) - TIMELINE_SHOWN),
            "dates": [d.isoformat() for d in dates],
            "title": drawn["title"],
        },
    )


@public_page
def topic_map_svg(request, slug: str):
    topic = get_object_or_404(Topic.objects.prefetch_related("positions"), slug=slug)
    as_of = _read(AsOfForm, request.GET)["as_of"]
    drawn = topic_map(topic, as_of, standalone=True)
    response = HttpResponse(drawn["svg"], content_type="image/svg+xml; charset=utf-8")
    # Newsrooms embed this image (<img>, <object>) on their own sites: this route alone may be
    # framed anywhere. It runs no script and loads nothing.
    response["Content-Security-Policy"] = (
        "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors *"
    )
    response["Cross-Origin-Resource-Policy"] = "cross-origin"
    response.xframe_options_exempt = True
    response._csp_exempt = True
    return response
