from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.core.exceptions import RequestDataTooBig
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import include, path
from django.views import defaults

from guanxi.accounts import views as account_views
from guanxi.api import api, not_found
from guanxi.contracts import urls as contracts
from guanxi.leads import urls as leads
from guanxi.scoring import views as scoring_views
from guanxi.segments import urls as segments
from guanxi.surveys import urls as surveys
from guanxi.workspace import home
from guanxi.workspace import urls as workspace


def favicon(request):
    """Browsers ask for /favicon.ico whatever the page links: send them to the static icon."""
    return HttpResponseRedirect(static("guanxi/favicon.svg"))


def ping(request):
    """Liveness probe, and the baseline of bench/bench_web.py: every middleware, no query."""
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [
    path("ping/", ping, name="ping"),
    path("favicon.ico", favicon, name="favicon"),
    path("", home.home, name="home"),  # the home dashboard (per role)
    path("home/indicators/", home.indicators, name="home_indicators"),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("account/", include("guanxi.accounts.urls")),
    # Django's set_language, which also stores a signed-in user's choice
    path("i18n/setlang/", account_views.set_language, name="set_language"),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("customers/", include(workspace.customers)),  # with the 360 page
    path("sales/", include(workspace.sales)),  # with the bulk actions
    # Task inbox at /tasks/; 360-page forms at /customers/<id>/{interactions,notes,tasks}/new/
    path("", include(workspace.activities)),
    # Reveal and consent at /customers/<id>/{reveal,consent}/
    path("", include("guanxi.privacy.urls")),
    path("data/", include("guanxi.dataio.urls")),
    path("team/", include("guanxi.accounts.team_urls")),
    path("segments/", include("guanxi.segments.urls")),
    path("reviews/", include("guanxi.voice.urls")),  # review mining (评论挖掘)
    path("coding/", include("guanxi.coding.urls")),  # grounded-theory coding (扎根理论)
    path("cases/", include("guanxi.service.urls")),  # complaints and service cases
    path("surveys/", include("guanxi.surveys.urls")),
    path("pool/", include("guanxi.pool.urls")),  # the public pool (公海) and transfers
    path("quotes/", include(contracts.quote_patterns)),  # quotes (报价单)
    path("contracts/", include(contracts.contract_patterns)),  # contracts, collections (回款)
    path("pipeline/", include("guanxi.pipeline.urls")),  # opportunities, the 5As
    path("s/", include(surveys.public_patterns)),  # the customers' answer page, no login
    path("leads/", include("guanxi.leads.urls")),  # leads (线索), the lead pool, look-alike
    path("l/", include(leads.public_patterns)),  # the public lead forms, no login
    path("analytics/settings/", include(segments.settings_patterns)),
    path("analytics/scoring/", include("guanxi.scoring.urls")),
    # The contract's name for "Recompute now" (issue 9): the same view as scoring:recompute.
    path("analytics/score/", scoring_views.recompute, name="score"),
    path("analytics/", include("guanxi.insights.urls")),  # the management dashboards
]


def page_not_found(request, exception):
    """A JSON 404 under /api/ (clients parse the body), Django's page elsewhere."""
    if request.path.startswith("/api/"):
        return not_found(request, exception)
    return defaults.page_not_found(request, exception)


def bad_request(request, exception):
    """A page in the user's language (Django's is a bare English line): 413 when what a form
    sent is over DATA_UPLOAD_MAX_MEMORY_SIZE, 400 otherwise. The API answers in JSON itself."""
    if request.path.startswith("/api/"):
        return defaults.bad_request(request, exception)
    too_large = isinstance(exception, RequestDataTooBig)
    limit_mb = f"{settings.DATA_UPLOAD_MAX_MEMORY_SIZE / 2**20:g}"
    context = {"too_large": too_large, "limit_mb": limit_mb}
    return render(request, "400.html", context, status=413 if too_large else 400)


handler400 = bad_request
handler404 = page_not_found
