"""django-axes' lock-out check, for log-ins that come with a request.

authenticate() called without a request (a management command, a script, a test) is not a
log-in from the network, so there is nothing to count or lock; axes' own backend would raise
instead, and the password is then checked by ModelBackend as usual.
"""

from axes.backends import AxesStandaloneBackend
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend

from guanxi.prepared import PreparedObjects


class LockoutBackend(AxesStandaloneBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


def client_str(username, ip_address, user_agent, path_info, request) -> str:
    """How django-axes names a client in its log lines: the path only. Its default names the
    username and IP address, and logs never contain personal data."""
    return f"a client of {path_info}"


class ProfileBackend(ModelBackend):
    """Django's ModelBackend, reading the user's profile (role, data scope, display name) in the
    query that loads the signed-in user on every request: every page asks it, and on its own it
    was a second query (~0.5 ms of ORM work and a round trip) per request."""

    def get_user(self, user_id):
        try:
            found = _USER_WITH_PROFILE.fetch(int(user_id))
        except (TypeError, ValueError):
            return None
        user = found[0] if found else None
        return user if user is not None and self.user_can_authenticate(user) else None


def _user_with_profile(pk):
    return get_user_model()._default_manager.select_related("profile").filter(pk=pk)


# compiled once per process (guanxi/prepared.py): every signed-in request asks it
_USER_WITH_PROFILE = PreparedObjects(_user_with_profile)
