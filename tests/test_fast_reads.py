"""Reads written in plain SQL for speed (issue 7's load targets) answer as the ORM's queries
they replace: the session store's load and the collaborations scope.py resolves."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore as DjangoSessionStore
from django.contrib.sessions.models import Session
from django.db.models import Q
from django.test import Client
from django.utils import timezone

from guanxi.accounts.scope import _collaborations
from guanxi.accounts.sessions import SessionStore
from guanxi.customers.models import Collaborator

pytestmark = pytest.mark.django_db


def test_the_site_uses_this_session_store():
    assert settings.SESSION_ENGINE == "guanxi.accounts.sessions"


def test_a_live_session_loads_as_djangos_store_loads_it():
    # given
    stored = SessionStore()
    stored["cart"] = {"张伟": 3}
    stored.save()

    # when
    ours = SessionStore(stored.session_key)
    djangos = DjangoSessionStore(stored.session_key)

    # then
    assert ours["cart"] == {"张伟": 3}
    assert ours.load() == djangos.load()
    assert ours.session_key == stored.session_key


def test_an_expired_session_loads_empty_and_its_key_is_forgotten():
    # given
    stored = SessionStore()
    stored["user"] = "rep1"
    stored.save()
    Session.objects.filter(pk=stored.session_key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )

    # when
    ours = SessionStore(stored.session_key)
    data = ours.load()

    # then
    assert data == {}
    assert ours.session_key is None
    assert DjangoSessionStore(stored.session_key).load() == {}


@pytest.mark.parametrize("key", ["no-such-session-key", "short", "", None, "x' OR '1'='1"])
def test_an_unknown_or_invalid_key_loads_empty(key):
    SessionStore().save()  # a session exists, not this one

    ours = SessionStore(key)

    assert ours.load() == {}
    assert ours.session_key is None


def test_a_signed_in_user_stays_signed_in_across_requests(personas):
    # given
    client = Client()
    client.force_login(personas["rep1"])

    # when
    first = client.get("/customers/")
    second = client.get("/customers/")

    # then
    assert first.status_code == second.status_code == 200
    assert Session.objects.count() == 1


def _orm_collaborations(user, write: bool) -> list[int]:
    """The ORM's query _collaborations replaced."""
    qs = Collaborator.objects.filter(user=user).filter(
        Q(expires_at__isnull=True) | Q(expires_at__gt=timezone.now())
    )
    if write:
        qs = qs.filter(access=Collaborator.Access.WRITE)
    return sorted(qs.values_list("customer_id", flat=True))


def test_collaborations_answer_as_the_orm_query(personas, customer_of):
    # given: rep2's customers shared with rep1 in every way, and one with the viewer
    now = timezone.now()
    shares = [
        ("read", None),
        ("write", None),
        ("read", now + timedelta(days=1)),
        ("write", now + timedelta(minutes=5)),
        ("write", now - timedelta(seconds=1)),  # expired
        ("read", now - timedelta(days=3)),  # expired
    ]
    for n, (access, expires_at) in enumerate(shares):
        customer = customer_of("rep2", name=f"共享{n}")
        Collaborator.objects.create(
            customer=customer, user=personas["rep1"], access=access, expires_at=expires_at
        )
    Collaborator.objects.create(
        customer=customer_of("rep2", name="别人的"), user=personas["viewer"], access="write"
    )

    for user in (personas["rep1"], personas["viewer"], personas["manager"]):
        for write in (False, True):
            # when
            ours = sorted(_collaborations(user, write))
            # then
            assert ours == _orm_collaborations(user, write)
    assert len(_collaborations(personas["rep1"], False)) == 4
    assert len(_collaborations(personas["rep1"], True)) == 2
