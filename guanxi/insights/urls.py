"""/analytics/: the index and, per theme, /analytics/<theme>/ and /analytics/<theme>/xlsx/.

Explicit paths (not one <slug:theme>/ pattern) so other apps' pages under /analytics/ (the
scoring status, the analysis settings) resolve whatever the include order.
"""

from django.urls import path

from . import views
from .data import THEMES

app_name = "insights"
urlpatterns = [
    path("", views.index, name="index"),
    *(path(f"{theme}/", views.theme_view(theme), name=theme) for theme in THEMES),
    *(path(f"{theme}/xlsx/", views.xlsx_view(theme), name=f"{theme}_xlsx") for theme in THEMES),
]
