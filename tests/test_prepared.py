"""guanxi/prepared.py: queries compiled once per process must answer as freshly built ones do.

PreparedObjects hands Django's ModelIterable a kept compiler with the real ids in the SQL
sentinels' places; these tests compare its instances (fields, select_related objects,
deferred fields, annotations) with the ORM's for several ids, on SQLite and PostgreSQL alike.
"""

import threading

import pytest
from django.contrib.auth import get_user_model

from guanxi.activities.services import record_interaction
from guanxi.customers.models import Customer
from guanxi.prepared import SENTINELS, OneRowFlags, PreparedObjects, PreparedRows
from guanxi.sales.services import create_order

pytestmark = pytest.mark.django_db


def _same(a, b, fields):
    for name in fields:
        assert getattr(a, name) == getattr(b, name), name


def test_a_customer_with_its_relations_as_the_orm_builds_it(customer_of, personas):
    def build(pk, owner_id):
        return Customer.objects.select_related("department", "score").filter(
            pk=pk, owner_id=owner_id, erased_at__isnull=True
        )

    prepared = PreparedObjects(build, arity=2)
    mine = customer_of("rep1", name="张三", city="杭州")
    theirs = customer_of("rep2", name="李四")
    rep1 = personas["rep1"]
    fields = [f.attname for f in Customer._meta.concrete_fields]
    for customer, owner in [(mine, rep1), (theirs, rep1), (theirs, personas["rep2"]), (mine, rep1)]:
        got = prepared.fetch(customer.pk, owner.pk)
        want = list(build(customer.pk, owner.pk))
        assert len(got) == len(want)
        for a, b in zip(got, want, strict=True):
            _same(a, b, fields)
            assert a.department == b.department
            assert a.department.name == b.department.name
            assert a._state.adding is False and a._state.db == "default"
    assert prepared.fetch(mine.pk, rep1.pk)[0].name == "张三"
    assert prepared.fetch(10**9, rep1.pk) == []


def test_orders_with_deferred_fields_and_an_annotation(customer_of, personas, product):
    from django.db.models import Count

    from guanxi.sales.models import Order

    def build(customer_id):
        orders = Order.objects.filter(customer_id=customer_id).only("number", "total")
        return orders.annotate(n_lines=Count("lines")).order_by("-id")[:5]

    prepared = PreparedObjects(build)
    customer = customer_of("rep1", name="张三")
    other = customer_of("rep1", name="李四")
    for quantity in (1, 2, 3):
        create_order(personas["rep1"], customer, {}, [{"product": product, "quantity": quantity}])
    for who in (customer, other, customer):
        got, want = prepared.fetch(who.pk), list(build(who.pk))
        assert [(o.pk, o.number, o.total, o.n_lines) for o in got] == [
            (o.pk, o.number, o.total, o.n_lines) for o in want
        ]
    assert len(prepared.fetch(customer.pk)) == 3
    assert (
        prepared.fetch(customer.pk)[0].get_deferred_fields()
        == build(customer.pk)[0].get_deferred_fields()
    )


def test_the_timelines_sources_and_the_signed_in_user(customer_of, personas):
    from guanxi.accounts.backends import ProfileBackend
    from guanxi.workspace.timeline import _interactions, _prepared

    customer = customer_of("rep1", name="张三")
    record_interaction(
        personas["rep1"], customer, {"channel": "phone", "direction": "outbound", "subject": "回访"}
    )
    got = _prepared(_interactions, 200).fetch(customer.pk)
    want = list(_interactions(customer.pk, 200))
    assert [(i.pk, i.subject, i.user.profile.display_name) for i in got] == [
        (i.pk, i.subject, i.user.profile.display_name) for i in want
    ]
    backend = ProfileBackend()
    for user in personas.values():
        loaded = backend.get_user(user.pk)
        assert loaded == user and loaded.profile.role == user.profile.role
    assert backend.get_user(10**9) is None and backend.get_user("not a number") is None
    gone = personas["rep2"]
    get_user_model().objects.filter(pk=gone.pk).update(is_active=False)
    assert backend.get_user(gone.pk) is None  # user_can_authenticate still asked


def test_a_query_must_depend_on_each_of_its_ids():
    with pytest.raises(ValueError):
        PreparedObjects(lambda pk, other: Customer.objects.filter(pk=pk), arity=2).fetch(1, 2)
    with pytest.raises(ValueError):
        OneRowFlags(lambda pk: Customer.objects.values("pk")).flags(1)
    with pytest.raises(TypeError):
        PreparedObjects(lambda pk: Customer.objects.filter(pk=pk)).fetch(1, 2)
    assert all(s < 0 for s in SENTINELS)


@pytest.mark.django_db(transaction=True)
def test_each_thread_runs_on_its_own_connection():
    """A multi-threaded server (guanxi serve's gthread workers) calls from several threads:
    the kept compiler must not carry the first thread's connection into another thread."""
    prepared = PreparedObjects(lambda pk: Customer.objects.filter(pk=pk))
    assert prepared.fetch(1) == []
    errors = []

    def other_thread():
        from django.db import connection

        try:
            assert prepared.fetch(2) == []
        except Exception as exc:  # the assertion below names it
            errors.append(exc)
        finally:
            connection.close()

    thread = threading.Thread(target=other_thread)
    thread.start()
    thread.join()
    assert errors == []


def test_rows_for_a_list_of_ids_as_the_orm_gives_them(customer_of, personas):
    # given: customers with tags, and ids in every count, order and repetition
    from guanxi.customers.models import Tag

    customers = [customer_of("rep1", name=f"客户{n}") for n in range(4)]
    for n, customer in enumerate(customers):
        for name in ["VIP", "老客户", "车主"][: n + 1]:
            customer.tags.add(Tag.objects.get_or_create(name=name)[0])
    through = Customer.tags.through

    def build(ids):
        return (
            through.objects.filter(customer_id__in=ids)
            .order_by("tag__name", "customer_id")
            .values_list("customer_id", "tag__name")
        )

    prepared = PreparedRows(build, most=3)
    pks = [c.pk for c in customers]
    cases = [pks[:1], pks[:2], pks[1:3], [pks[2], pks[0], pks[2]], pks[:3], [10**9], pks, pks[::-1]]
    for ids in cases:
        # when
        got = prepared.rows(ids)
        # then
        assert got == list(build(ids)), ids
    assert prepared.rows([]) == []
    assert {n for (_, n) in prepared._prepared} == {1, 2, 3}  # four ids: built afresh


def test_rows_keep_the_fields_converters(customer_of):
    # a decimal and a date come back as the ORM's values_list gives them, on SQLite too
    from datetime import date
    from decimal import Decimal

    from guanxi.scoring.models import CustomerScore, ScoringRun

    customer = customer_of("rep1", name="张三")
    CustomerScore.objects.create(
        customer=customer,
        run=ScoringRun.objects.create(status="succeeded", trigger="command"),
        as_of=date(2026, 11, 30),
        model_version="test",
        monetary=Decimal("1234.50"),
        quality_criteria=["复购"],
    )

    def build(ids):
        return CustomerScore.objects.filter(customer_id__in=ids).values_list(
            "customer_id", "monetary", "as_of", "quality_criteria"
        )

    got = PreparedRows(build).rows([customer.pk])
    assert got == list(build([customer.pk]))
    assert isinstance(got[0][1], Decimal) and got[0][2] == date(2026, 11, 30)
    assert got[0][3] == ["复购"]


def test_rows_refuse_a_query_that_ignores_its_ids():
    prepared = PreparedRows(lambda ids: Customer.objects.values_list("pk"))
    with pytest.raises(ValueError):
        prepared.rows([1])
