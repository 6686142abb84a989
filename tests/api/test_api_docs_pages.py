"""The ReDoc page's own files: the bundle without its third-party image, cacheable, and the
start-up script that reads the page's settings (tests/browser/test_api_docs.py runs them)."""

import json
import re

import pytest

from claimtrack.apidocs import REDOC_BADGE_IMAGE, redoc_bundle

pytestmark = pytest.mark.django_db


def test_the_redoc_bundle_is_the_sidecars_without_the_badge_image(client):
    response = client.get("/api/redoc/redoc.standalone.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    body = response.content
    assert REDOC_BADGE_IMAGE not in body and b"cdn.redoc.ly" not in body
    assert b"fonts.googleapis.com" not in body
    assert len(body) > 500_000  # the whole of ReDoc, not a stub
    assert "max-age" in response["Cache-Control"]


def test_the_redoc_bundle_answers_304_to_the_etag_it_gave(client):
    etag = client.get("/api/redoc/redoc.standalone.js")["ETag"]
    assert etag == redoc_bundle()[1]
    again = client.get("/api/redoc/redoc.standalone.js", HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and again.content == b""


def test_the_redoc_page_starts_redoc_from_files_with_system_fonts(client):
    html = client.get("/api/redoc/").content.decode()
    scripts = re.findall(r'<script src="([^"]+)"></script>', html)
    assert scripts == ["/api/redoc/redoc.standalone.js", "/static/claimtrack/redoc-init.js"]
    settings = re.search(r'data-settings="([^"]+)"', html).group(1).replace("&quot;", '"')
    fonts = json.loads(settings.replace("&#x27;", "'"))["theme"]["typography"]
    assert "system-ui" in fonts["fontFamily"] and "Montserrat" not in html
    assert re.search(r'data-spec-url="/api/schema/"', html)
    init = client.get("/static/claimtrack/redoc-init.js")
    assert init.status_code == 200
