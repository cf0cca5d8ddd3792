"""The REST API under /api/v1/: one NinjaAPI, one router per domain, bearer-token auth.

Every error answers with a JSON body: {"detail": message} for 401/403/404/409, and
{"detail": message, "errors": {field: [messages]}} for 422, whether the input failed the
schema (ninja) or a business rule (a service's ValidationError). Messages follow the request's
language (Accept-Language, through LocaleMiddleware).
"""

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError
from ninja.errors import ValidationError as SchemaValidationError
from ninja.security import HttpBearer

from guanxi.accounts.services import token_for_key
from guanxi.api_messages import schema_message
from guanxi.services_common import StaleEdit, TooManyRequests


class BearerToken(HttpBearer):
    def authenticate(self, request, token):
        found = token_for_key(token)
        if found is None:
            return None
        request.user = found.user
        request.api_token_id = found.pk
        return found.user


class GuanxiAPI(NinjaAPI):
    """The schema built once per process, path prefix and language: django-ninja builds it on
    every GET of openapi.json (~1.3 s of CPU for 434 KB, measured; a new-user review waited
    4-7 s for the docs page), which anyone, signed in or not, could ask for in a loop. The
    operations are fixed once the URLconf is loaded, so the schema cannot go stale."""

    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        if path_prefix is None:
            path_prefix = self.get_root_path(path_params or {})
        schemas = self.__dict__.setdefault("_schemas", {})
        key = (path_prefix, get_language())
        if key not in schemas:
            schemas[key] = super().get_openapi_schema(path_prefix=path_prefix)
        return schemas[key]


api = GuanxiAPI(
    title="Guanxi CRM API",
    version="1",
    urls_namespace="api",
    auth=BearerToken(),
    description="Customers, contacts, interactions, tasks, products and orders, "
    "within the caller's data scope. Get a token with POST /api/v1/auth/token and send "
    "`Authorization: Bearer <token>`. Sensitive personal fields are always masked; reveal one "
    "with a stated purpose (logged).",
)


def validation_body(errors: dict[str, list[str]]) -> dict:
    first = next((messages[0] for messages in errors.values() if messages), "")
    return {"detail": first or _("The input is not valid."), "errors": errors}


def _api_words(error: DjangoValidationError) -> str:
    """A service's message as the API says it: a 查重 warning names the field that confirms
    it (the page's words point at its tick box instead)."""
    message = " ".join(error.messages)
    if error.code == "duplicate_warning":
        message += " " + _("(Send confirm_duplicate: true.)")
    return message


@api.exception_handler(DjangoValidationError)
def business_rule_failed(request, exc: DjangoValidationError):
    if hasattr(exc, "error_dict"):
        errors = {
            field: [_api_words(error) for error in field_errors]
            for field, field_errors in exc.error_dict.items()
        }
    else:
        errors = {NON_FIELD_ERRORS: [str(m) for m in exc.messages]}
    return api.create_response(request, validation_body(errors), status=422)


@api.exception_handler(SchemaValidationError)
def schema_failed(request, exc: SchemaValidationError):
    errors: dict[str, list[str]] = {}
    for error in exc.errors:
        loc = [str(part) for part in error.get("loc", ())]
        # ("body", "payload", "lines", 0, "quantity") -> "lines.0.quantity"; ("query", "limit") ->
        # "limit"; a missing or unparsable body as a whole -> "body".
        if loc[:1] == ["body"]:
            field = ".".join(loc[2:]) or "body"
        else:
            field = ".".join(loc[1:]) or NON_FIELD_ERRORS
        errors.setdefault(field, []).append(schema_message(error))
    body = validation_body(errors)
    if errors:
        field, messages = next(iter(errors.items()))
        body["detail"] = f"{field}: {messages[0]}"
    return api.create_response(request, body, status=422)


@api.exception_handler(Http404)
def not_found(request, exc):
    return api.create_response(request, {"detail": _("Not found.")}, status=404)


@api.exception_handler(PermissionDenied)
def permission_denied(request, exc):
    message = str(exc) or _("You do not have permission to do this.")
    return api.create_response(request, {"detail": message}, status=403)


@api.exception_handler(StaleEdit)
def stale_edit(request, exc: StaleEdit):
    return api.create_response(request, {"detail": str(exc)}, status=409)


@api.exception_handler(RequestDataTooBig)
def body_too_large(request, exc):
    """A body over DATA_UPLOAD_MAX_MEMORY_SIZE: JSON like every other API answer, not the
    HTML 400 page."""
    message = _("The request body is too large: at most %(max)s bytes.") % {
        "max": f"{settings.DATA_UPLOAD_MAX_MEMORY_SIZE:,}"
    }
    return api.create_response(request, {"detail": message}, status=413)


@api.exception_handler(TooManyRequests)
def too_many_requests(request, exc: TooManyRequests):
    response = api.create_response(request, {"detail": str(exc)}, status=429)
    response["Retry-After"] = str(exc.retry_after)
    return response


@api.exception_handler(AuthenticationError)
def unauthenticated(request, exc):
    return api.create_response(
        request,
        {"detail": _("Authentication required: send “Authorization: Bearer <token>”.")},
        status=401,
    )


def _add_routers() -> None:
    from guanxi.accounts.api import router as accounts
    from guanxi.accounts.team_api import router as team
    from guanxi.activities.api import router as activities
    from guanxi.coding.api import router as coding
    from guanxi.contracts.api import router as contracts
    from guanxi.customers.api import router as customers
    from guanxi.leads.api import router as leads
    from guanxi.pipeline.api import router as pipeline
    from guanxi.pool.api import router as pool
    from guanxi.privacy.api import router as privacy
    from guanxi.sales.api import router as sales
    from guanxi.segments.api import router as segments
    from guanxi.service.api import router as cases
    from guanxi.surveys.api import router as surveys
    from guanxi.voice.api import router as voice

    routers = (accounts, team, customers, privacy, activities, sales, segments, voice, cases)
    for router in (*routers, surveys, coding, pool, leads, contracts, pipeline):
        api.add_router("/", router)


_add_routers()
