"""Every exported ClaimReview node is valid schema.org (release 30.0, shipped in
tests/fixtures/schemaorg/) and has what Google's ClaimReview guidance requires and recommends."""

import datetime as dt
import json
from functools import cache
from pathlib import Path

import pytest

from claims.claimreview import claimreview_graph, with_claimreview_relations
from claims.models import Actor, Citation, Claim
from claims.workflow import VERDICTS, claim_review
from tests.factories import (
    ActorFactory,
    CitationFactory,
    ClaimActorFactory,
    ClaimFactory,
    SourceFactory,
    UserFactory,
)

VOCABULARY = (
    Path(__file__).resolve().parents[1] / "fixtures/schemaorg/schemaorg-current-https-30.0.jsonld"
)
SCHEMA = "https://schema.org/"
# Google Search Central, "Fact check (ClaimReview) structured data": required properties, then
# recommended ones (developers.google.com/search/docs/appearance/structured-data/factcheck).
GOOGLE_REQUIRED = {"claimReviewed", "reviewRating", "url"}
GOOGLE_RATING_REQUIRED = {"alternateName"}
GOOGLE_RECOMMENDED = {"author", "datePublished", "itemReviewed"}
GOOGLE_RATING_RECOMMENDED = {"bestRating", "ratingValue", "worstRating"}
GOOGLE_CLAIM_RECOMMENDED = {"author", "datePublished", "appearance", "firstAppearance"}
LITERALS = {"Text", "URL", "Date", "DateTime", "Number", "Integer", "Boolean"}


@cache
def vocabulary() -> tuple[dict, dict]:
    """(types → superclasses, properties → (domains, ranges)), by short name."""
    graph = json.loads(VOCABULARY.read_text(encoding="utf-8"))["@graph"]

    def names(value) -> set[str]:
        items = value if isinstance(value, list) else [value] if value else []
        return {item["@id"].removeprefix("schema:") for item in items}

    types, properties = {}, {}
    for node in graph:
        name = node["@id"].removeprefix("schema:")
        kinds = node["@type"] if isinstance(node["@type"], list) else [node["@type"]]
        if "rdfs:Class" in kinds:
            types[name] = names(node.get("rdfs:subClassOf"))
        if "rdf:Property" in kinds:
            properties[name] = (
                names(node.get("schema:domainIncludes")),
                names(node.get("schema:rangeIncludes")),
            )
    return types, properties


def ancestors(name: str) -> set[str]:
    types, _ = vocabulary()
    seen, todo = set(), [name]
    while todo:
        current = todo.pop()
        if current not in seen:
            seen.add(current)
            todo += types.get(current, set())
    return seen


def problems(node: dict, where: str = "") -> list[str]:
    """What in `node` schema.org does not define or allow (empty when valid)."""
    types, properties = vocabulary()
    kind = node.get("@type")
    if kind not in types:
        return [f"{where}: unknown type {kind!r}"]
    found = []
    for key, value in node.items():
        if key.startswith("@"):
            continue
        if key not in properties:
            found.append(f"{where}.{key}: not a schema.org property")
            continue
        domains, ranges = properties[key]
        if not domains & ancestors(kind):
            found.append(f"{where}.{key}: not a property of {kind}")
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, dict):
                if not ranges & ancestors(item.get("@type", "")):
                    found.append(f"{where}.{key}: a {item.get('@type')} is not in {sorted(ranges)}")
                found += problems(item, f"{where}.{key}")
            elif not (ranges & LITERALS) and not str(item).startswith("http"):
                # A Thing-valued property takes a URL reference to the thing, nothing else.
                found.append(f"{where}.{key}: {item!r} is neither a {sorted(ranges)} nor a URL")
    return found


@pytest.mark.django_db
def test_every_exported_node_is_schema_org_and_meets_googles_claimreview_guidance():
    reviewer = UserFactory(username="rita", is_superuser=True)  # may record any verdict
    for verdict in sorted(VERDICTS):
        claim = ClaimFactory(statement=f"A claim rated {verdict}.")
        person = ActorFactory(name="A Speaker", kind=Actor.Kind.PERSON, wikidata_qid="Q42")
        ClaimActorFactory(claim=claim, actor=person, role="claimant")
        made = SourceFactory(published_at=dt.datetime(2024, 3, 1, tzinfo=dt.UTC))
        CitationFactory(claim=claim, source=made, stance=Citation.Stance.MENTIONS)
        CitationFactory(claim=claim, stance=Citation.Stance.REFUTES)
        CitationFactory(claim=claim, stance=Citation.Stance.SUPPORTS)
        CitationFactory(claim=claim, stance=Citation.Stance.SUPPORTS)
        claim_review(claim=claim, status=verdict, reviewer=reviewer, rationale="Checked.")

    graph = claimreview_graph(
        with_claimreview_relations(Claim.objects.all()), base_url="https://claims.example"
    )["@graph"]

    assert len(graph) == len(VERDICTS)
    for node in graph:
        assert problems(node, node["claimReviewed"]) == []
        assert node.keys() >= GOOGLE_REQUIRED | GOOGLE_RECOMMENDED
        rating = node["reviewRating"]
        assert rating.keys() >= GOOGLE_RATING_REQUIRED | GOOGLE_RATING_RECOMMENDED
        assert rating["worstRating"] <= rating["ratingValue"] <= rating["bestRating"]
        assert node["itemReviewed"].keys() >= GOOGLE_CLAIM_RECOMMENDED
        assert node["author"]["@type"] == "Organization"
        assert node["url"].startswith("https://claims.example/claims/")


def test_the_checker_refuses_what_schema_org_does_not_define():
    node = {
        "@type": "ClaimReview",
        "claimReviewed": "x",
        "reviewRating": {"@type": "Rating", "ratingValue": 1, "verdict": "no"},
        "itemReviewed": {"@type": "Claim", "author": {"@type": "Rating"}},
        "appearance": "not a url",
    }
    assert problems(node) == [
        ".reviewRating.verdict: not a schema.org property",
        ".itemReviewed.author: a Rating is not in ['Organization', 'Person']",
        ".appearance: not a property of ClaimReview",
        ".appearance: 'not a url' is neither a ['CreativeWork'] nor a URL",
    ]
