"""The REST API under /api/v1/: one NinjaAPI, one router per domain, bearer-token auth."""

from ninja import NinjaAPI
from ninja.security import HttpBearer

from guanxi.accounts.services import user_for_token


class BearerToken(HttpBearer):
    def authenticate(self, request, token):
        user = user_for_token(token)
        if user is not None:
            request.user = user
        return user


api = NinjaAPI(
    title="Guanxi CRM API",
    version="1",
    urls_namespace="api",
    auth=BearerToken(),
    description="Customers, contacts, interactions, tasks, products and orders, "
    "within the caller's data scope.",
)
