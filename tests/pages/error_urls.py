"""The site's URLs plus one view that fails, to see the 500 page (tests only)."""

from django.urls import path

from guanxi.urls import handler404  # noqa: F401
from guanxi.urls import urlpatterns as site_urlpatterns


def fail(request):
    raise RuntimeError("boom")


urlpatterns = [path("test-failure/", fail), *site_urlpatterns]
