"""Cache-Control for signed-in answers; a signed-in user's stored language on a new browser."""

from django.conf import settings
from django.utils import translation
from django.utils.cache import add_never_cache_headers, patch_cache_control


class NoStoreForSignedInMiddleware:
    """Every answer to a signed-in user (page, fragment, export, API) is private and no-store.

    Simpler and safer than marking each view that may show a revealed value: nothing a user
    sees under their login is kept by a browser or a shared cache. Static files (served by
    whitenoise before this) and the anonymous login page keep their own headers.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            add_never_cache_headers(response)
            patch_cache_control(response, private=True)
        return response


class StoredLanguageMiddleware:
    """Pages in the signed-in user's stored language (Profile.language) when the browser has
    no language cookie: a new device, or a cookie gone with the browser session. The cookie is
    then set, so the pages after it (and the login page after logging out) stay in it. A
    cookie always wins: it is the choice made on this browser. The API is left alone: it
    answers in the request's Accept-Language. Free: the profile comes with the signed-in user
    in one prepared query (accounts/backends.py), which every request makes anyway.
    At log-in the stored language wins over the browser's cookie (signals.py marks the
    request): a choice made on the login page, or the cookie the last user of a shared
    browser left, would otherwise show pages in a language the account did not choose.
    Goes after AuthenticationMiddleware (and so after LocaleMiddleware, which it overrides).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        language = ""
        if settings.LANGUAGE_COOKIE_NAME not in request.COOKIES and not request.path.startswith(
            "/api/"
        ):
            user = request.user
            if user.is_authenticated:
                profile = getattr(user, "profile", None)
                language = profile.language if profile is not None else ""
        if language:
            translation.activate(language)
            request.LANGUAGE_CODE = language
        response = self.get_response(request)
        at_login = getattr(request, "stored_language_at_login", "")
        if at_login and not request.path.startswith("/api/"):
            language = at_login  # the account's choice replaces the browser's at log-in
        elif settings.LANGUAGE_COOKIE_NAME in response.cookies:
            language = ""  # the view set it (the switch itself)
        if language:
            response.set_cookie(
                settings.LANGUAGE_COOKIE_NAME,
                language,
                max_age=settings.LANGUAGE_COOKIE_AGE,
                path=settings.LANGUAGE_COOKIE_PATH,
                domain=settings.LANGUAGE_COOKIE_DOMAIN,
                secure=settings.LANGUAGE_COOKIE_SECURE,
                httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
                samesite=settings.LANGUAGE_COOKIE_SAMESITE,
            )
        return response


class NotAllowedPageMiddleware:
    """A 405 (a GET at an address that only receives a form, e.g. a bookmarked or reloaded
    /account/password/) answers with a page in the user's language, as 400, 403 and 404 do:
    Django has no handler405, and its HttpResponseNotAllowed has an empty body, which a browser
    shows as its own error page, a dead end. The API and htmx requests keep the bare answer.
    Goes after MessageMiddleware (base.html shows messages) and inside CSPMiddleware (its
    nonce)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.http import HttpResponseNotAllowed

        response = self.get_response(request)
        if (
            isinstance(response, HttpResponseNotAllowed)
            and not response.content
            and not request.path.startswith("/api/")
            and "HX-Request" not in request.headers
        ):
            from django.shortcuts import render

            page = render(request, "405.html", {"refused": True}, status=405)
            page["Allow"] = response["Allow"]
            return page
        return response
