"""API schemas for tokens, passwords and the current user."""

from datetime import datetime

from ninja import Schema

from guanxi.api_common import InSchema, text


class TokenIn(InSchema):
    username: text(150, min_length=1)
    password: text(200, min_length=1)


class TokenOut(Schema):
    token: str


class TokenInfoOut(Schema):
    id: int
    starts_with: str
    created_at: datetime
    expires_at: datetime
    last_used_at: datetime | None
    current: bool


class PasswordChangeIn(InSchema):
    old_password: text(200, min_length=1)
    new_password: text(200, min_length=1)


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
