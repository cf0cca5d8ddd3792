"""The 360 timeline names every audited record and field in the user's language: the refunds,
surveys, cases and review sets too, not only the customer's own records ("审计记录 · refund",
"Refunded_on", "Survey_id" were shown raw in Chinese)."""

import re

import pytest
from django.apps import apps
from django.utils import translation
from django.utils.text import capfirst

from guanxi.audit.models import AuditEntry

pytestmark = pytest.mark.django_db

MODELS = [
    ("sales", "order"),
    ("sales", "refund"),
    ("sales", "refundline"),
    ("surveys", "survey"),
    ("surveys", "question"),
    ("surveys", "invitation"),
    ("surveys", "response"),
    ("service", "case"),
    ("voice", "reviewset"),
    ("voice", "review"),
]
CJK = re.compile(r"[\u4e00-\u9fff]")


def _changes(model) -> dict:
    """Every concrete field, by name and (for a foreign key) by column, and the reverse
    "lines" a refund records."""
    changes = {}
    for field in model._meta.concrete_fields:
        if field.primary_key:
            continue
        changes[field.name] = [None, "x"]
        changes[field.attname] = [None, "x"]
    if model._meta.model_name == "refund":
        changes["lines"] = [None, ["x"]]
    return changes


def test_every_audited_model_and_field_is_named_in_chinese(client_for, customer_of, rep1):
    customer = customer_of("rep1", name="张三")
    for app, name in MODELS:
        AuditEntry.objects.create(
            actor=rep1,
            action="update",
            model=name,
            object_id="1",
            customer_id=customer.pk,
            changes=_changes(apps.get_model(app, name)),
        )

    html = client_for("manager", "zh-hans").get(f"/customers/{customer.pk}/").content.decode()

    items = re.findall(r'<li class="kind-audit"[^>]*>(.*?)</li>', html, re.S)
    assert len(items) == len(MODELS) + 1  # and the customer's own creation
    raw = {capfirst(n) for _app, name in MODELS for n in _raw_names(name)}
    shown_types, shown_labels = set(), set()
    for item in items:
        meta = re.search(r'<div class="meta">(.*?)</div>', item, re.S).group(1)
        shown_types.add([part.strip() for part in meta.split("·")][2])
        shown_labels.update(re.findall(r"<tr><td>(.*?)</td>", item))
    assert not (shown_types | shown_labels) & raw, (shown_types | shown_labels) & raw
    # each is the model's or field's verbose name, in Chinese (where the catalogue has it)
    with translation.override("zh-hans"):
        for app, name in MODELS:
            model = apps.get_model(app, name)
            assert str(model._meta.verbose_name) in shown_types
            for field in model._meta.concrete_fields:
                if not field.primary_key:
                    assert capfirst(str(field.verbose_name)) in shown_labels, field
    # the ones the review found raw
    for label in ("退款", "邀请"):
        assert label in shown_types
    for english in ("Refunded_on", "Lines", "Survey_id", "Sent_at", "refund", "invitation"):
        assert english not in shown_types | shown_labels
    assert all(CJK.search(t) for t in shown_types), shown_types


def _raw_names(model_name: str) -> set[str]:
    model = next(m for m in apps.get_models() if m._meta.model_name == model_name)
    names = {model_name}
    for field in model._meta.concrete_fields:
        names |= {field.name, field.attname, field.name.replace("_", " ")}
    return names


def _audit_items(html: str) -> list[str]:
    return re.findall(r'<li class="kind-audit"[^>]*>(.*?)</li>', html, re.S)


@pytest.mark.parametrize(
    ("language", "returned", "purpose", "route", "viewed"),
    [
        ("en", "Returned to the pool, due on", "Purpose of viewing", "Page view", "Data viewed"),
        ("zh-hans", "到期自动退回公海（到期日）", "查看目的", "页面查看", "查看的信息"),
    ],
)
def test_pool_return_and_reveal_entries_read_in_the_users_language(
    language, returned, purpose, route, viewed, client_for, customer_of, personas
):
    """New-user review #2 and #16: "Returned_to_pool", "Route → page", and a reveal shown as
    "*** → ***" as if something had changed."""
    from guanxi.privacy.sensitive import reveal

    customer = customer_of("rep1", name="李丽娟", health_notes="糖尿病")
    AuditEntry.objects.create(  # as pool/rules.py writes it
        actor=None,
        action="assign",
        model="customer",
        object_id=str(customer.pk),
        customer_id=customer.pk,
        changes={"owner": [personas["rep1"].pk, None], "returned_to_pool": [None, "2026-11-30"]},
    )
    reveal(personas["manager"], customer, "health_notes", "售后理赔核实")

    html = client_for("manager", language).get(f"/customers/{customer.pk}/").content.decode()

    items = _audit_items(html)
    pooled = next(i for i in items if "2026-11-30" in i)
    assert f"<td>{returned}</td>" in pooled
    assert "eturned_to_pool" not in html and "Returned_to_po" not in html
    revealed = next(i for i in items if "售后理赔核实" in i)
    with translation.override(language):
        health = capfirst(
            str(
                apps.get_model("customers", "customer")._meta.get_field("health_notes").verbose_name
            )
        )
    assert f"<tr><td>{viewed}</td><td>{health}</td></tr>" in revealed
    assert f"<tr><td>{purpose}</td><td>售后理赔核实</td></tr>" in revealed
    assert f"<tr><td>{capfirst(TRAIL_LABEL_ROUTE[language])}</td><td>{route}</td></tr>" in revealed
    assert "→" not in revealed and "***" not in revealed and ">page<" not in revealed


TRAIL_LABEL_ROUTE = {"en": "route", "zh-hans": "途径"}


def test_a_name_missing_from_the_trail_names_is_at_least_not_shown_with_underscores():
    from guanxi.customers.templatetags.guanxi_ui import _label

    assert _label(None, "some_new_name") == ("some new name", None)
