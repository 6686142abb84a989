from django.conf import settings
from django.db import connections, transaction
from django.urls import reverse
from django_countries import countries as all_countries
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    extend_schema,
    extend_schema_view,
)
from rest_framework import permissions, renderers, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.generics import get_object_or_404  # a malformed id is a 404, not a 500
from rest_framework.response import Response

import sources.views
from claims.claimreview import (
    claim_to_claimreview,
    claimreview_graph,
    import_claimreview,
    with_claimreview_relations,
)
from claims.exports import claims_csv_response
from claims.filters import (
    ActorFilterSet,
    CitationFilterSet,
    ClaimFilterSet,
    EventFilterSet,
    ExternalReviewFilterSet,
)
from claims.history import claim_history
from claims.models import Actor, Citation, Claim, ClaimCountry, Event, ExternalReview
from claims.representation import claim_representation, claim_representations
from claims.serializers import (
    ActorSerializer,
    CitationSerializer,
    ClaimDetailSerializer,
    ClaimReviewFeedSerializer,
    ClaimReviewSerializer,
    ClaimSerializer,
    ClaimStatsSerializer,
    EventSerializer,
    ExternalReviewSerializer,
    HistoryEntrySerializer,
    ImportReportSerializer,
    ReopenSerializer,
    ReviewSerializer,
    SuggestionSerializer,
    external_review_fields,
)
from claims.stats import claim_stats
from claims.suggestions import source_mentions, source_suggestions
from claims.workflow import (
    REVIEW_PERMISSION,
    VERDICT_PERMISSION,
    claim_reopen,
    claim_review,
    claim_snapshot,
)
from claimtrack.api import (
    COUNTRY_CODE_PATTERN,
    BoundedJSONLDParser,
    BoundedJSONParser,
    ErrorsAsJSONMixin,
    parse_id,
)
from claimtrack.concurrency import not_modified
from claimtrack.exceptions import PreconditionFailed, PreconditionRequired
from claimtrack.pagination import KeysetPagination, TextResultsPagination
from claimtrack.renderers import CSVRenderer, FastJSONRenderer, JSONLDRenderer
from claimtrack.schema import IF_MATCH
from claimtrack.viewsets import ResourceViewSet
from sources.models import text_digest
from sources.serializers import MentionSerializer


class ClaimPagination(KeysetPagination):
    """Claims newest first; a full-text query on PostgreSQL ranks its matches instead, unless
    another order is asked for."""

    def default_ordering(self, request, view) -> str:
        searching = request.query_params.get("q", "").strip()
        return (
            "-rank" if searching and connections[Claim.objects.db].vendor == "postgresql" else "-id"
        )


def request_example(summary: str, value) -> OpenApiExample:
    """A request body example for the schema (on the demo data: `./dev serve`)."""
    return OpenApiExample(summary, value=value, request_only=True)


CLAIM_EXAMPLE = request_example(
    "A claim with its participants and a territory",
    {
        "statement": "The United States supported Morocco's autonomy proposal for Western Sahara.",
        "kind": "agreement",
        "participants": [{"actor": 5, "role": "subject"}, {"actor": 6, "role": "object"}],
        "countries": [{"code": "ESH", "role": "territory"}],
    },
)


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter(
                "format",
                OpenApiTypes.STR,
                OpenApiParameter.QUERY,
                enum=["json", "csv"],
                description="`csv`: every matching claim, one row each, without pages (as "
                "`Accept: text/csv`): UTF-8 with a byte-order mark, a header row, cells that "
                "start with `=`, `+`, `-` or `@` prefixed with `'`.",
            )
        ],
        responses={
            (200, "application/json"): ClaimSerializer(many=True),
            (200, "text/csv"): OpenApiTypes.STR,
        },
    ),
    create=extend_schema(examples=[CLAIM_EXAMPLE]),
    # A claim read (with what other fact-checkers say) may be sent back as it is: those
    # read-only fields are accepted and ignored, as `status` is.
    update=extend_schema(request=ClaimSerializer, examples=[CLAIM_EXAMPLE]),
    partial_update=extend_schema(
        request=ClaimSerializer(partial=True),
        examples=[
            request_example(
                "A new statement",
                {"statement": "Morocco and Israel established diplomatic relations."},
            )
        ],
    ),
)
class ClaimViewSet(ResourceViewSet):
    """Claims, with filters by country and more; `?format=csv` exports the filtered list."""

    queryset = Claim.objects.with_list_relations().select_related("created_by")
    serializer_class = ClaimSerializer
    filterset_class = ClaimFilterSet
    ordering_fields = ["occurred_on", "created_at", "updated_at", "id"]
    pagination_class = ClaimPagination
    renderer_classes = [FastJSONRenderer, renderers.BrowsableAPIRenderer, CSVRenderer]
    required_permissions: list[str] | None = None  # set per action (RolePermission)
    # Its reads depend on the data and the request alone: claimtrack.response_cache may answer
    # anonymous ones from the cache.
    cache_anonymous_reads = True

    def get_renderers(self):
        # CSV exports the list; a created or updated claim is not a CSV (it rendered as nothing).
        found = super().get_renderers()
        return found if self.action == "list" else [r for r in found if r.format != "csv"]

    def perform_create(self, serializer):
        serializer.save(created_by=self.request.user)

    def get_serializer_class(self):
        if self.action == "reopen":
            return ReopenSerializer
        if self.action in ("retrieve", "update", "partial_update"):
            return ClaimDetailSerializer
        return ReviewSerializer if self.action == "reviews" else ClaimSerializer

    @extend_schema(
        methods=["GET"],
        operation_id="list_claim_reviews",
        summary="List a claim's reviews",
        responses=ReviewSerializer(many=True),
    )
    @extend_schema(
        methods=["POST"],
        operation_id="create_claim_review",
        summary="Record a review: a status change",
        request=ReviewSerializer,
        responses={201: ReviewSerializer},
        parameters=[IF_MATCH],
        examples=[
            request_example(
                "Send to review",
                {"status": "in_review", "rationale": "Two sources needed before a verdict."},
            )
        ],
    )
    @action(
        detail=True,
        methods=["get", "post"],
        pagination_class=None,
        required_permissions=[REVIEW_PERMISSION],
    )
    def reviews(self, request, pk=None):
        """GET: the claim's reviews, newest first, each with the snapshot it was made on and
        what changed since. POST: record a status change (the workflow decides: roles, allowed
        transitions, evidence rules); honours If-Match."""
        if request.method == "GET":
            claim = self.get_object()
            reviews = claim.reviews.select_related("reviewer")[:500]
            context = {"current_snapshot": claim_snapshot(claim)}
            return Response(ReviewSerializer(reviews, many=True, context=context).data)
        serializer = ReviewSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        with transaction.atomic():
            claim = get_object_or_404(Claim, pk=self.kwargs["pk"])
            self.check_object_permissions(request, claim)
            review = claim_review(
                claim=claim,
                status=data["status"],
                reviewer=request.user,
                rationale=data.get("rationale", ""),
                citations=data.get("citations", []),
                expected_version=self.expected_version(),
            )
        return self._review_created(claim, review)

    @extend_schema(
        summary="Reopen a claim with a verdict",
        request=ReopenSerializer,
        responses={201: ReviewSerializer},
        parameters=[IF_MATCH],
        examples=[
            request_example(
                "A second source contradicts the quote",
                {"reason": "A second source contradicts the quote the verdict rests on."},
            )
        ],
    )
    @action(detail=True, methods=["post"], required_permissions=[REVIEW_PERMISSION])
    def reopen(self, request, pk=None):
        """Reopen a claim with a verdict for editing: back to in review, recorded as a review
        with the required `reason`; honours If-Match. Editors and reviewers."""
        serializer = ReopenSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with transaction.atomic():
            claim = get_object_or_404(Claim, pk=self.kwargs["pk"])
            self.check_object_permissions(request, claim)
            review = claim_reopen(
                claim=claim,
                user=request.user,
                reason=serializer.validated_data["reason"],
                expected_version=self.expected_version(),
            )
        return self._review_created(claim, review)

    def _review_created(self, claim: Claim, review) -> Response:
        response = Response(ReviewSerializer(review).data, status=201)
        response["ETag"] = f'"{claim.version}"'
        return response

    def expected_version(self) -> int | None:
        header = self.request.headers.get("If-Match")
        if header is None:
            if settings.CLAIMTRACK_REQUIRE_IF_MATCH:
                raise PreconditionRequired()
            return None
        version = parse_id(header.strip().removeprefix("W/").strip('"'))
        if version is None:
            raise PreconditionFailed('If-Match must be the ETag of the claim, e.g. "3".')
        return version

    @extend_schema(responses=HistoryEntrySerializer(many=True))
    @action(detail=True, pagination_class=None, renderer_classes=[renderers.JSONRenderer])
    def history(self, request, pk=None):
        """Every change to the claim and its parts, newest first (for those who may delete
        claims, also of a deleted claim)."""
        claim_id = parse_id(pk)
        if claim_id is None:
            raise NotFound(f"No claim {pk[:20]!r}.")
        deleted_visible = (
            request.user.has_perm("claims.delete_claim")
            and Claim.history.filter(id=claim_id).exists()
        )
        if not Claim.objects.filter(pk=claim_id).exists() and not deleted_visible:
            raise NotFound(f"No claim {pk}.")
        return Response(claim_history(claim_id))

    @extend_schema(responses={(200, "application/ld+json"): ClaimReviewSerializer})
    @action(detail=True, pagination_class=None, renderer_classes=[JSONLDRenderer])
    def claimreview(self, request, pk=None):
        """The claim's verdict as schema.org ClaimReview (404 until it has a verdict)."""
        claim = get_object_or_404(with_claimreview_relations(Claim.objects.all()), pk=pk)
        return Response(claim_to_claimreview(claim, request=request))

    def claim_url_prefix(self) -> str:
        return self.request.build_absolute_uri(reverse("claim-list"))

    def list(self, request, *args, **kwargs):
        if request.accepted_renderer.format == "csv":
            return claims_csv_response(
                self.filter_queryset(Claim.objects.all()), self.claim_url_prefix()
            )
        # The page's position (ordering, cursor) read once; its id bound handed to the filters.
        position = self.paginator.position(request, self)
        # The page's ids and the one field its cursor needs (rank is computed, not stored).
        keys = ["id"] if position.field in ("id", "rank") else ["id", position.field]
        filters = ClaimFilterSet(
            request.query_params,
            Claim.objects.only(*keys),
            request=request,
            id_bound=position.id_bound,
            ranked=position.field == "rank",
        )
        # The page's keys (and what its cursor needs); then the page's representations, built
        # by the database on PostgreSQL (claims.representation).
        queryset = filters.filtered()
        page = self.paginator.paginate_queryset(queryset, request, self)
        claims = claim_representations([c.pk for c in page], self.claim_url_prefix(), queryset.db)
        return self.get_paginated_response(claims)

    def retrieve(self, request, *args, **kwargs):
        claim = self.get_object()
        etag = self.etag_for(claim)
        if not_modified(request, etag):
            response = Response(status=304)
        else:
            body = claim_representation(claim, self.claim_url_prefix())
            response = Response(body | external_review_fields(claim))
        response["ETag"] = etag
        return response

    @extend_schema(filters=True, responses=ClaimStatsSerializer)
    @action(detail=False, pagination_class=None, renderer_classes=[renderers.JSONRenderer])
    def stats(self, request):
        """Counts for a dashboard, under the same filters as the list."""
        filters = ClaimFilterSet(request.query_params, Claim.objects.all(), request=request)
        filters.filtered()  # 400 on an invalid filter, naming it
        return Response(claim_stats(filters))


@extend_schema_view(
    create=extend_schema(
        examples=[
            request_example(
                "A person",
                {
                    "name": "Nasser Bourita",
                    "kind": "person",
                    "country": "MA",
                    "title": "Minister of Foreign Affairs of Morocco",
                    "aliases": ["Bourita"],
                },
            )
        ]
    )
)
class ActorViewSet(ResourceViewSet):
    """People, states and bodies that claims are about, by name, kind and country."""

    queryset = Actor.objects.all()
    serializer_class = ActorSerializer
    filterset_class = ActorFilterSet
    ordering_fields = ["id", "name"]


@extend_schema_view(
    create=extend_schema(
        examples=[
            request_example(
                "A visit",
                {
                    "name": "Moroccan delegation's visit to Washington",
                    "kind": "visit",
                    "starts_on": "2021-03-01",
                    "date_precision": "month",
                    "country": "US",
                },
            )
        ]
    )
)
class EventViewSet(ResourceViewSet):
    """Meetings, visits and exercises that claims belong to."""

    queryset = Event.objects.all()
    serializer_class = EventSerializer
    filterset_class = EventFilterSet
    ordering_fields = ["id", "starts_on", "name"]


@extend_schema_view(
    create=extend_schema(
        examples=[
            request_example(
                "A quote that supports a claim",
                {
                    "claim": 2,
                    "source": 1,
                    "stance": "supports",
                    "quote": "the kingdom established diplomatic relations with Israel",
                },
            )
        ]
    )
)
class CitationViewSet(ResourceViewSet):
    """A source's exact quote for or against a claim, anchored in the source's text."""

    queryset = Citation.objects.select_related("source", "created_by")
    serializer_class = CitationSerializer
    filterset_class = CitationFilterSet
    ordering_fields = ["id", "created_at"]

    def perform_create(self, serializer):
        # In a transaction: the integrity guard then holds the claim's row until the commit.
        with transaction.atomic():
            serializer.save(created_by=self.request.user)


class ExternalReviewViewSet(ErrorsAsJSONMixin, viewsets.ReadOnlyModelViewSet):
    """Other fact-checkers' published verdicts (imported ClaimReview): evidence, never ours."""

    queryset = ExternalReview.objects.select_related("publisher", "imported_by")
    serializer_class = ExternalReviewSerializer
    filterset_class = ExternalReviewFilterSet
    ordering_fields = ["id", "published_at", "imported_at"]


class CountrySerializer(serializers.Serializer):
    code = serializers.CharField()
    alpha3 = serializers.CharField()
    name = serializers.CharField()
    claims = serializers.IntegerField(help_text="Claims concerning the country, in any role.")
    by_role = serializers.DictField(child=serializers.IntegerField())
    url = serializers.URLField()


class CountryViewSet(ErrorsAsJSONMixin, viewsets.ViewSet):
    """The countries that claims concern, with counts. `{code}` is alpha-2 or alpha-3."""

    lookup_field = "code"
    lookup_value_regex = COUNTRY_CODE_PATTERN
    serializer_class = CountrySerializer
    permission_classes = [permissions.AllowAny]  # read-only: writes answer 405

    def _rows(self, codes=None):
        rows = ClaimCountry.objects.order_by()
        if codes:
            rows = rows.filter(country__in=codes)
        totals = rows.claims_per_country()
        by_role: dict[str, dict[str, int]] = {}
        for (code, role), n in rows.claims_per_country("role").items():
            by_role.setdefault(code, {})[role] = n
        return [
            {
                "code": code,
                "alpha3": all_countries.alpha3(code),
                "name": str(all_countries.name(code)),
                "claims": total,
                "by_role": by_role.get(code, {}),
                "url": self.request.build_absolute_uri(f"/api/v1/claims/?country={code}"),
            }
            for code, total in sorted(totals.items(), key=lambda item: (-item[1], item[0]))
        ]

    @extend_schema(responses=CountrySerializer(many=True))
    def list(self, request):
        """The countries that claims concern, most claims first."""
        return Response(self._rows())

    @extend_schema(
        responses=CountrySerializer,
        parameters=[
            OpenApiParameter(
                "code",
                OpenApiTypes.STR,
                OpenApiParameter.PATH,
                pattern=f"^{lookup_value_regex}$",
                description="ISO 3166-1 alpha-2 or alpha-3, any case.",
                examples=[
                    OpenApiExample("Morocco", value="MA"),
                    OpenApiExample("Western Sahara", value="ESH"),
                ],
            )
        ],
    )
    def retrieve(self, request, code=None):
        """One country's counts, also when no claim concerns it (zeros)."""
        code = all_countries.alpha2(code or "")
        if not code:
            raise NotFound(
                f"Unknown country code {self.kwargs['code']!r}: give an ISO 3166-1 alpha-2 or "
                "alpha-3 code."
            )
        rows = self._rows([code])
        if rows:
            return Response(rows[0])
        return Response(
            {
                "code": code,
                "alpha3": all_countries.alpha3(code),
                "name": str(all_countries.name(code)),
                "claims": 0,
                "by_role": {},
                "url": request.build_absolute_uri(f"/api/v1/claims/?country={code}"),
            }
        )


class ClaimReviewFeedViewSet(ErrorsAsJSONMixin, viewsets.GenericViewSet):
    """ClaimReview feed: the verdicts of the filtered claims as one JSON-LD `@graph` per page.

    Harvest incrementally with `updated_after`. `import/` takes ClaimReview JSON-LD in.
    """

    queryset = Claim.objects.exclude(status__in=["unverified", "in_review"])
    filterset_class = ClaimFilterSet
    ordering_fields = ["updated_at", "id"]
    renderer_classes = [JSONLDRenderer, renderers.JSONRenderer]
    serializer_class = ReviewSerializer  # for the schema only
    required_permissions: list[str] | None = None  # set per action (RolePermission)

    @extend_schema(
        operation_id="list_claimreviews",
        summary="List verdicts as ClaimReview",
        responses={
            (200, "application/ld+json"): ClaimReviewFeedSerializer,
            (200, "application/json"): ClaimReviewFeedSerializer,
        },
    )
    def list(self, request):
        """The verdicts of the claims that match the filters, as one JSON-LD `@graph` per page.

        Harvest incrementally: `updated_after` the moment of your last harvest, then follow
        `next` until it is null.
        """
        queryset = with_claimreview_relations(self.filter_queryset(self.get_queryset()))
        page = self.paginate_queryset(queryset)
        body = claimreview_graph(page, request=request)
        body["next"] = self.paginator.get_next_link()
        body["previous"] = self.paginator.get_previous_link()
        return Response(body)

    @extend_schema(
        # `application/ld+json` is accepted too (the same body); one media type is declared so
        # that generated clients get one body model.
        request={
            "application/json": {
                "oneOf": [
                    {
                        "type": "object",
                        "description": "One record, an @graph, a DataFeed or claims:search.",
                    },
                    {"type": "array", "items": {}, "description": "Records; others skipped."},
                ]
            }
        },
        responses={200: ImportReportSerializer, 201: ImportReportSerializer},
        examples=[
            request_example(
                "One ClaimReview",
                {
                    "@context": "https://schema.org",
                    "@type": "ClaimReview",
                    "url": "https://factcheck.example/reviews/sahara-recognition",
                    "claimReviewed": "The United States recognized Morocco's sovereignty over "
                    "Western Sahara.",
                    "datePublished": "2020-12-11",
                    "author": {"@type": "Organization", "name": "Factcheck Example"},
                    "reviewRating": {
                        "@type": "Rating",
                        "ratingValue": 5,
                        "bestRating": 5,
                        "worstRating": 1,
                        "alternateName": "True",
                    },
                    "itemReviewed": {"@type": "Claim", "appearance": ["https://news.example/a"]},
                },
            )
        ],
    )
    @action(
        detail=False,
        methods=["post"],
        url_path="import",
        renderer_classes=[renderers.JSONRenderer],
        parser_classes=[BoundedJSONParser, BoundedJSONLDParser],
        required_permissions=[VERDICT_PERMISSION],
    )
    def import_(self, request):
        """Import other fact-checkers' ClaimReview as external reviews (never as our verdicts).

        One record, a list, an @graph, a DataCommons DataFeed or a Fact Check Tools response,
        as `application/json` or `application/ld+json`. Reviewers only. A claim not found by its
        statement is created unverified. Bad records are skipped with a reason (one line each,
        at most 100, and counts by reason); labels not in the rating label table are listed.
        """
        report = import_claimreview(request.data, user=request.user)
        return Response(report.as_dict(), status=201 if report.created else 200)


class SourceViewSet(sources.views.SourceViewSet):
    """Sources, with what claims know about them: mentions and suggested claims."""

    mentions_pages = TextResultsPagination(page_size=500, max_page_size=2000)
    suggestions_pages = TextResultsPagination(page_size=50, max_page_size=200)

    @extend_schema(
        parameters=mentions_pages.parameters(),
        responses=mentions_pages.response_serializer("MentionPage", MentionSerializer(many=True)),
    )
    @action(detail=True, pagination_class=None)
    def mentions(self, request, pk=None):
        """The countries (ISO codes) and known actors the text names, with character offsets.

        In text order, paginated (`offset`, `page_size`). At most 20,000 per text
        (MENTIONS_LIMIT): `truncated` says when the text names more."""
        source = self.get_object()
        found = source_mentions(source)
        text = source.text or ""
        return Response(
            self.mentions_pages.page(
                request,
                found.items,
                truncated=found.truncated,
                text_sha256=text_digest(text),
                render=lambda mention: mention.as_dict(text),
            )
        )

    @extend_schema(
        parameters=suggestions_pages.parameters(),
        responses=suggestions_pages.response_serializer(
            "SuggestionPage", SuggestionSerializer(many=True)
        ),
    )
    @action(detail=True, pagination_class=None)
    def suggestions(self, request, pk=None):
        """Candidate claims found in the text by transparent rules.

        In text order; POST one to claims/ to accept it (nothing is created here). Paginated
        (`offset`, `page_size`). At most 1,000 per text (SUGGESTIONS_LIMIT): `truncated` says
        when the text gives more."""
        source = self.get_object()
        found = source_suggestions(source)
        return Response(
            self.suggestions_pages.page(
                request,
                found.items,
                truncated=found.truncated,
                text_sha256=text_digest(source.text or ""),
                render=lambda suggestion: suggestion,
            )
        )
