"""The browsable API's filter form, as a person using it sees it: every filter of every list
has a human label and its help rendered (code as <code>, never raw Markdown backticks)."""

from html.parser import HTMLParser

import pytest
from django.http import QueryDict
from rest_framework.test import APIClient

from claims.filters import ClaimFilterSet
from claims.models import Claim
from claimtrack.urls import v1

pytestmark = pytest.mark.django_db

FILTERED_LISTS = [
    (prefix, viewset.filterset_class)
    for prefix, viewset, _ in v1.registry
    if getattr(viewset, "filterset_class", None) is not None
    and any(renderer.format == "api" for renderer in viewset.renderer_classes)
]


class FilterForm(HTMLParser):
    """The labels and help texts of the page's "Field filters" form, by input name."""

    def __init__(self):
        super().__init__()
        self.in_form = False
        self.labels: dict[str, str] = {}  # input id -> label text
        self.inputs: dict[str, str] = {}  # input name -> input id
        self.helps: dict[str, str] = {}  # help id -> inner HTML
        self._label_for: str | None = None
        self._help_id: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and attrs.get("method") == "get":
            self.in_form = True
        if not self.in_form:
            return
        if tag == "label":
            self._label_for = attrs.get("for")
            self.labels[self._label_for] = ""
        elif tag == "input" and attrs.get("name"):
            self.inputs[attrs["name"]] = attrs.get("id")
        elif tag == "span" and "helptext" in (attrs.get("class") or ""):
            self._help_id = attrs["id"]
            self.helps[self._help_id] = ""
        elif self._help_id:
            self.helps[self._help_id] += f"<{tag}>"

    def handle_endtag(self, tag):
        if tag == "form":
            self.in_form = False
        elif tag == "label":
            self._label_for = None
        elif tag == "span" and self._help_id:
            self._help_id = None
        elif self._help_id:
            self.helps[self._help_id] += f"</{tag}>"

    def handle_data(self, data):
        if self._label_for:
            self.labels[self._label_for] += data
        elif self._help_id:
            self.helps[self._help_id] += data


def filter_form(prefix: str) -> FilterForm:
    response = APIClient().get(f"/api/v1/{prefix}/", HTTP_ACCEPT="text/html")
    assert response.status_code == 200
    form = FilterForm()
    form.feed(response.content.decode())
    return form


@pytest.mark.parametrize("prefix, filterset", FILTERED_LISTS, ids=[p for p, _ in FILTERED_LISTS])
def test_every_filter_in_the_browsable_api_has_a_human_label_and_rendered_help(prefix, filterset):
    form = filter_form(prefix)
    assert set(form.inputs) == set(filterset.base_filters), "the form shows every filter"
    for name, filter_ in filterset.base_filters.items():
        input_id = form.inputs[name]
        label = form.labels[input_id].strip().rstrip(":")
        assert label == filter_.label, (name, label)
        assert "invalid name" not in label and "_" not in label, (name, label)
        help_html = form.helps[f"{input_id}_helptext"]
        assert help_html.strip(), f"{name} has no help"
        assert "`" not in help_html, (name, help_html)
        if "`" in str(filter_.extra.get("help_text", "")):
            assert "<code>" in help_html, (name, help_html)


def test_a_choice_filters_help_lists_the_values_it_takes():
    form = filter_form("claims")
    help_html = form.helps[f"{form.inputs['status']}_helptext"]
    assert "<code>unverified</code>" in help_html and "<code>false</code>" in help_html


def test_the_lists_with_filters_are_all_checked():
    assert {p for p, _ in FILTERED_LISTS} >= {
        "claims",
        "sources",
        "publishers",
        "actors",
        "events",
        "citations",
    }


def test_each_filter_set_gets_its_own_filters_bound_to_it_and_leaves_the_class_alone():
    """The filters are copied per request (shallowly): two requests' filter sets never share a
    filter, a `method=` filter calls its own filter set, and the class keeps no request."""
    first = ClaimFilterSet(QueryDict("country=MA"), Claim.objects.all())
    second = ClaimFilterSet(QueryDict("country=US"), Claim.objects.all())

    for name, filter_ in first.filters.items():
        assert filter_ is not second.filters[name]
        assert filter_ is not ClaimFilterSet.base_filters[name]
        assert filter_.parent is first and second.filters[name].parent is second
    country = first.filters["country"]
    assert country.filter.f is country  # the FilterMethod calls this copy's filter set
    assert not hasattr(ClaimFilterSet.base_filters["country"], "parent")
    assert first.is_valid() and second.is_valid()
    assert first.form.cleaned_data["country"] == ["MA"]
    assert second.form.cleaned_data["country"] == ["US"]
    assert first.get_form_class() is second.get_form_class()  # built once per class
