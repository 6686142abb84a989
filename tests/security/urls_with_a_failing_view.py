"""The real URL map plus one view that fails, to see how an unexpected exception is reported."""

from django.urls import path

from claimtrack.urls import urlpatterns as real_urlpatterns


def fail(request):
    raise RuntimeError("boom: an unexpected failure")


urlpatterns = [path("api/v1/fail/", fail), *real_urlpatterns]
handler404 = "claimtrack.exceptions.not_found"
handler500 = "claimtrack.exceptions.server_error"
