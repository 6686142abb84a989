import pytest
from django.db import DatabaseError


@pytest.mark.django_db
def test_healthz_and_readyz_answer_ok_when_the_database_is_migrated(client):
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/readyz").json() == {"status": "ok"}


@pytest.mark.django_db
def test_readyz_answers_503_with_a_reason_when_the_database_is_unreachable(client, monkeypatch):
    from django.db import connection

    def refuse():
        raise DatabaseError("connection refused")

    monkeypatch.setattr(connection, "ensure_connection", refuse)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["reason"] == "database: connection refused"
    assert client.get("/healthz").status_code == 200
