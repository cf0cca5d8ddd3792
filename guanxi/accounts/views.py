"""The "my account" page: own API tokens (create, list, revoke) and own password; the language
switch; the lock-out answer."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.forms.utils import ErrorDict
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers, patch_cache_control
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views import i18n
from django.views.decorators.http import require_POST

from .forms import OwnPasswordForm
from .models import ApiToken
from .preferences import set_own_language
from .scope import own_tokens
from .services import change_own_password, create_own_token, revoke_token


def lockout_message() -> str:
    minutes = max(int(settings.AXES_COOLOFF_TIME.total_seconds() // 60), 1)
    return ngettext(
        "Too many wrong passwords for this username: log-in is locked for %(minutes)d minute. "
        "Try again later or ask your manager to unlock it.",
        "Too many wrong passwords for this username: log-in is locked for %(minutes)d minutes. "
        "Try again later or ask your manager to unlock it.",
        minutes,
    ) % {"minutes": minutes}


def _form_with_error(form_class, request, username: str, message: str):
    form = form_class(request, data={"username": username})
    form.cleaned_data = {}
    form._errors = ErrorDict()
    form.add_error(None, message)
    return form


def locked_out(request, original_response=None, credentials=None):
    """django-axes' lock-out answer: 429 with a translated message, JSON under /api/."""
    message = lockout_message()
    username = str((credentials or {}).get("username") or request.POST.get("username", ""))[:150]
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message}, status=429)
    if request.path.startswith("/admin/"):
        from django.contrib import admin
        from django.contrib.admin.forms import AdminAuthenticationForm

        context = {
            **admin.site.each_context(request),
            "form": _form_with_error(AdminAuthenticationForm, request, username, message),
            "app_path": request.get_full_path(),
            "username": username,
        }
        return render(request, "admin/login.html", context, status=429)
    context = {
        "form": _form_with_error(AuthenticationForm, request, username, message),
        "next": request.POST.get("next", ""),
    }
    return render(request, "registration/login.html", context, status=429)


def _account_context(request, password_form=None) -> dict:
    return {
        "tokens": list(own_tokens(request.user)),
        "password_form": password_form or OwnPasswordForm(),
        "token_ttl_days": settings.API_TOKEN_TTL_DAYS,
        "token_limit": settings.API_TOKEN_MAX_PER_USER,
    }


# The session key holding a token just created, until the account page shows it (once).
NEW_TOKEN_SESSION_KEY = "accounts:new_token"  # noqa: S105 - the name of a slot, no secret


@login_required
def account(request):
    """The account page; a token token_create just made is shown here once: it is popped
    from the session as it is shown (a reload shows only its first characters), and not at all
    if it is gone meanwhile (revoked, or a password change revoked it)."""
    context = _account_context(request)
    key = request.session.pop(NEW_TOKEN_SESSION_KEY, None)
    if key and any(t.key_hash == ApiToken.hash_key(key) for t in context["tokens"]):
        context["new_token"] = key
    response = render(request, "registration/account.html", context)
    add_never_cache_headers(response)  # said here too: the body may be a bearer token
    patch_cache_control(response, private=True)
    return response


# the service's names for the form's fields
_PASSWORD_FIELDS = {"new_password": "new_password1", "new_password_again": "new_password2"}


@login_required
@require_POST
def password_change(request):
    form = OwnPasswordForm(request.POST)
    if form.is_valid():
        had_tokens = own_tokens(request.user).exists()
        try:
            change_own_password(
                request.user,
                form.cleaned_data["old_password"],
                form.cleaned_data["new_password1"],
                again=form.cleaned_data["new_password2"],
                request=request,
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(_PASSWORD_FIELDS.get(field, field), errors)
        else:
            messages.success(
                request,
                _("Password changed. Your API tokens were revoked; this session stays.")
                if had_tokens  # a review was told of revoked tokens it never had
                else _("Password changed; this session stays."),
            )
            return redirect("accounts:account")
    return render(request, "registration/account.html", _account_context(request, form), status=422)


@login_required
@require_POST
def token_revoke(request, pk):
    token = get_object_or_404(own_tokens(request.user), pk=pk)
    revoke_token(request.user, token)
    messages.success(request, _("Token %(prefix)s… revoked.") % {"prefix": token.key_prefix})
    return redirect("accounts:account")


@login_required
@require_POST
def token_create(request):
    """A new token for the user, then a redirect to the account page, which shows it once
    (post/redirect/get: reloading the page that shows it neither asks to send the form again
    nor makes another token). The key waits in the session (stored server-side, as the
    database's sessions are) only until that page pops it; never in a message or a URL."""
    request.session[NEW_TOKEN_SESSION_KEY] = create_own_token(request.user)
    return redirect(reverse("accounts:account") + "#new-token")


def set_language(request):
    """The 中文 / English switch: Django's set_language (its cookie and its redirect to
    `next`); a signed-in user's choice is also stored on their profile, so their next browser
    opens in it (StoredLanguageMiddleware) and the tasks written for them are in it."""
    response = i18n.set_language(request)
    language = request.POST.get("language", "") if request.method == "POST" else ""
    if request.user.is_authenticated and language in dict(settings.LANGUAGES):
        set_own_language(request.user, language)
    return response
