"""The API reference pages, served with nothing from another origin.

Swagger UI (/api/docs/) and ReDoc (/api/redoc/) come from drf-spectacular-sidecar's files. Two
things in drf-spectacular's ReDoc page reach elsewhere: its template loads Montserrat and Roboto
from fonts.googleapis.com, and ReDoc's sidebar badge loads its logo from cdn.redoc.ly (on every
page load; the CSP then refuses it with a console error). Here the page uses system fonts and
no inline script, and the ReDoc bundle is served without the badge's image URL.
"""

import functools
import hashlib

from django.contrib.staticfiles import finders
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpResponse
from django.urls import reverse
from django.views.decorators.gzip import gzip_page
from django.views.decorators.http import condition, require_safe
from drf_spectacular.views import SpectacularRedocView

REDOC_BUNDLE = "drf_spectacular_sidecar/redoc/bundles/redoc.standalone.js"
# ReDoc's sidebar badge (<img src=…> under "API docs by Redocly"). An empty src loads
# nothing and fails at once, and ReDoc then hides the image; the link stays.
REDOC_BADGE_IMAGE = b'"https://cdn.redoc.ly/redoc/logo-mini.svg"'


@functools.cache
def redoc_bundle() -> tuple[bytes, str]:
    """The sidecar's ReDoc bundle without its third-party image, and its ETag."""
    path = finders.find(REDOC_BUNDLE)
    if path is None:
        raise ImproperlyConfigured(
            f"{REDOC_BUNDLE} not found: is drf-spectacular-sidecar installed?"
        )
    with open(path, "rb") as file:
        original = file.read()
    if original.count(REDOC_BADGE_IMAGE) != 1:
        # A new ReDoc: look at what it loads before serving it (tests/browser/test_api_docs.py).
        raise ImproperlyConfigured(f"{REDOC_BUNDLE}: the badge image URL is not where it was.")
    body = original.replace(REDOC_BADGE_IMAGE, b'""')
    return body, '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


@require_safe
@gzip_page
@condition(etag_func=lambda request: redoc_bundle()[1])
def redoc_bundle_view(request):
    body, etag = redoc_bundle()
    response = HttpResponse(body, content_type="text/javascript; charset=utf-8")
    response["Cache-Control"] = "public, max-age=86400"
    return response


class RedocView(SpectacularRedocView):
    """ReDoc on this site's files only: the bundle above, system fonts, an init script file."""

    template_name = "claimtrack/redoc.html"

    @staticmethod
    def _redoc_standalone():
        return reverse("redoc-bundle")
