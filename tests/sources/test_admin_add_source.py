"""Adding a source in the admin is ingesting it (sources.ingest): one path with the API."""

import pytest

from sources.models import Source

pytestmark = pytest.mark.django_db

ADD = "/admin/sources/source/add/"
PAGE = """<html lang="en"><head><title>Rabat talks | Daily Example</title>
<meta property="og:site_name" content="Daily Example">
<meta property="article:published_time" content="2024-07-30T09:00:00Z"></head>
<body><article><h1>Rabat talks</h1><p>The ministers of Morocco and Spain met in Rabat on
Monday to discuss the autonomy plan for Western Sahara, officials said.</p>
<p>France announced its support for the plan in a letter to the king.</p></article></body></html>"""


def test_pasted_html_is_stored_with_title_date_language_and_publisher(admin_client):
    response = admin_client.post(
        ADD, {"how": "html", "url": "https://daily.example/rabat-talks?utm_source=x", "html": PAGE}
    )
    source = Source.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/admin/sources/source/{source.pk}/change/"
    assert source.canonical_url == "https://daily.example/rabat-talks"
    assert source.title.startswith("Rabat talks")
    assert source.language == "en"
    assert source.published_at.date().isoformat() == "2024-07-30"
    assert source.publisher.domain == "daily.example"
    assert "autonomy plan" in source.text


def test_pasted_text_is_stored_under_its_url(admin_client):
    admin_client.post(
        ADD, {"how": "text", "url": "https://daily.example/t", "text": "Spain backs the plan."}
    )
    assert Source.objects.get().text == "Spain backs the plan."


def test_choosing_paste_without_pasting_names_the_field_and_stores_nothing(admin_client):
    response = admin_client.post(ADD, {"how": "html", "url": "https://daily.example/x"})
    assert response.status_code == 200
    assert response.context["form"].errors == {"html": ["Paste it here, or choose another way."]}
    assert not Source.objects.exists()


def test_a_private_address_is_refused_by_the_safe_fetcher(admin_client):
    response = admin_client.post(ADD, {"how": "fetch", "url": "http://127.0.0.1:9/article"})
    assert response.status_code == 200
    (error,) = response.context["form"].errors["url"]
    assert error.startswith("The page could not be fetched:")
    assert not Source.objects.exists()
