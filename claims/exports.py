"""The filtered claims as a CSV download: the API list's `?format=csv` and the admin's export."""

import csv

from django.http import StreamingHttpResponse

from claims.representation import CSV_COLUMNS, claim_csv_row, claim_representations

CHUNK = 1000


class _Echo:
    def write(self, value):
        return value


def claims_csv_response(queryset, claim_url_prefix: str = "") -> StreamingHttpResponse:
    """Every claim of the queryset, newest first, as CSV rows of their representations;
    streamed a chunk of claims at a time, so that memory stays flat."""
    writer = csv.writer(_Echo())
    ids = queryset.order_by("-id").values_list("id", flat=True).iterator(chunk_size=CHUNK)

    def chunks():
        chunk: list[int] = []
        for pk in ids:
            chunk.append(pk)
            if len(chunk) == CHUNK:
                yield chunk
                chunk = []
        if chunk:
            yield chunk

    def lines():
        yield "\ufeff" + writer.writerow(CSV_COLUMNS)  # BOM: Excel reads UTF-8
        for chunk in chunks():
            for claim in claim_representations(chunk, claim_url_prefix, queryset.db):
                yield writer.writerow(claim_csv_row(claim))

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="claims.csv"'
    return response
