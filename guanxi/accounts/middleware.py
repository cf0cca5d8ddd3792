"""Cache-Control for signed-in answers."""

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
