"""API schemas for tokens and the current user."""

from ninja import Schema

from guanxi.api_common import text


class TokenIn(Schema):
    username: text(150, min_length=1)
    password: text(200, min_length=1)


class TokenOut(Schema):
    token: str


class MeOut(Schema):
    id: int
    username: str
    display_name: str
    role: str
    data_scope: str
    department: str | None
    can_write: bool
    can_view_sensitive: bool
    is_manager: bool
