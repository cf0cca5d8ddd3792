"""The 360 page's timeline: orders, interactions, notes, tasks, losses and win-backs, and (for
managers) the changes of one customer."""

from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Exists, F, OuterRef, Q, Subquery
from django.utils.translation import gettext as _

from guanxi.activities.models import Interaction, Note, Task
from guanxi.audit.models import AuditEntry
from guanxi.audit.services import trail_for_customer
from guanxi.customers.models import Customer, LostReason
from guanxi.fast_templates import choice_labels
from guanxi.formats.money import format_money
from guanxi.joined import Joined, fields, split
from guanxi.prepared import PreparedObjects
from guanxi.sales.models import Order, OrderLine


@dataclass(frozen=True)
class TimelineItem:
    at: datetime
    kind: str
    title: str
    body: str
    obj: object


# A loss, its correction and a win-back are audit entries on the customer that touch these
# (guanxi.customers.retention writes nothing else in them).
RETENTION_Q = Q(model="customer", action="update") & (
    Q(changes__has_key="lost_at") | Q(changes__has_key="lost_reason")
)


def _new(changes: dict, field: str):
    pair = changes.get(field)
    return pair[1] if isinstance(pair, list | tuple) and len(pair) == 2 else None


def _old(changes: dict, field: str):
    pair = changes.get(field)
    return pair[0] if isinstance(pair, list | tuple) and len(pair) == 2 else None


def _reason(code) -> str:
    return str(LostReason(code).label) if code in LostReason.values else str(code or "")


def retention_item(entry) -> TimelineItem:
    """A loss ("lost"), its correction ("lost_changed") or a win-back ("won_back") from its
    audit entry: the reason and the note as they were written then, the actor on `obj`."""
    changes = entry.changes or {}
    if "lost_at" in changes and not _new(changes, "lost_at"):
        reason = _reason(_old(changes, "lost_reason"))
        title = _("Lost for: %(reason)s") % {"reason": reason} if reason else ""
        return TimelineItem(
            entry.at, "won_back", title, _new(changes, "won_back_note") or "", entry
        )
    kind = "lost" if "lost_at" in changes else "lost_changed"
    reason = _reason(_new(changes, "lost_reason")) if "lost_reason" in changes else ""
    return TimelineItem(entry.at, kind, reason, _new(changes, "lost_note") or "", entry)


def source_flags(customer_id) -> dict:
    """EXISTS expressions, one per timeline source, for a query that asks them together with
    others (the 360 page's card flags): most customers have no notes, tasks or losses, and an
    empty source then costs no query of its own (~0.5 ms of ORM work apiece)."""

    def some(model, *filters):
        return Exists(model.objects.filter(*filters, customer_id=customer_id).order_by())

    return {
        "interaction": some(Interaction),
        "order": some(Order),
        "note": some(Note),
        "task": some(Task),
        "retention": some(AuditEntry, RETENTION_Q),
    }


def timeline(
    customer: Customer,
    *,
    include_audit: bool = False,
    limit: int = 200,
    sources: set[str] | None = None,
):
    """Orders, interactions, notes, tasks, losses and win-backs (and, for managers, changes)
    newest first.

    The caller has already checked that the user may see `customer`. Losses and win-backs are
    shown to everyone who sees the customer, as its lost banner is (who marked it, when, the
    reason and the note); the rest of the audit trail only with `include_audit`. `sources`:
    the kinds of source_flags that have rows, when the caller has asked (the others are not
    read); None reads them all.
    """

    def wanted(kind: str) -> bool:
        return sources is None or kind in sources

    items: list[TimelineItem] = []
    if wanted("interaction"):
        for i in _prepared(_interactions, limit).fetch(customer.pk):
            items.append(TimelineItem(i.occurred_at, "interaction", i.subject, i.content, i))
    if wanted("order"):
        for o in _prepared(_orders, limit).fetch(customer.pk):
            parts = sorted(split(o.lines_text, width=3), key=lambda part: int(part[0]))
            body = "；".join(f"{name} × {quantity}" for _id, quantity, name in parts)
            items.append(TimelineItem(o.ordered_at, "order", o.number, body, o))
    if wanted("note"):
        for n in Note.objects.filter(customer=customer).select_related("author__profile")[:limit]:
            # no title: the meta line names the kind ("Note · General · author")
            items.append(TimelineItem(n.created_at, "note", "", n.body, n))
    if wanted("task"):
        tasks = Task.objects.filter(customer=customer).select_related("assignee__profile")
        for t in tasks[:limit]:
            items.append(TimelineItem(t.due_at, "task", t.shown_title, t.shown_description, t))
    trail = trail_for_customer(customer.pk).select_related("actor__profile")
    if wanted("retention"):
        for a in trail.filter(RETENTION_Q)[:limit]:
            items.append(retention_item(a))
    if include_audit:
        # a record that has its own timeline item needs no second "created" item beside it,
        # nor a loss or win-back a second "changed" one
        rest = trail.exclude(
            action="create", model__in=["interaction", "order", "note", "task"]
        ).exclude(RETENTION_Q)
        for a in rest[:limit]:
            items.append(TimelineItem(a.at, "audit", a.get_action_display(), "", a))
    items.sort(key=lambda item: item.at, reverse=True)
    return items[:limit]


def _interactions(customer_id, limit: int):
    """The interactions, each with the name of the firm's contact it was with (a join: the
    timeline names whom the rep spoke to, and needs nothing else of the contact)."""
    interactions = Interaction.objects.filter(customer_id=customer_id)
    return interactions.select_related("user__profile").annotate(contact_name=F("contact__name"))[
        :limit
    ]


def _orders(customer_id, limit: int):
    """The orders, each with its lines as text ("龙井茶 250g × 2；…", the item's body) joined
    in the same query (guanxi/joined.py): a prefetch built an OrderLine and a Product per line
    (~0.5 ms of ORM work), and a query of their own was a round trip more."""
    shown = ("customer_id", "number", "ordered_at", "status", "total", "currency")
    lines = (
        OrderLine.objects.filter(order=OuterRef("pk"))
        .order_by()
        .values("order")
        .annotate(text=Joined(fields("id", "quantity", "product__name")))
        .values("text")
    )
    orders = Order.objects.filter(customer_id=customer_id).only(*shown)
    return orders.annotate(lines_text=Subquery(lines))[:limit]


_PREPARED: dict[tuple, PreparedObjects] = {}


def _prepared(build, limit: int) -> PreparedObjects:
    """The two sources every customer has, compiled once per process and limit
    (guanxi/prepared.py: their ORM work cost more than the database's answer)."""
    key = (build, limit)
    if key not in _PREPARED:
        _PREPARED[key] = PreparedObjects(lambda customer_id: build(customer_id, limit))
    return _PREPARED[key]


def _who(user) -> str:
    """A user as the timeline names them: the display name, else the username."""
    try:
        name = user.profile.display_name
    except ObjectDoesNotExist:
        name = ""
    return name or user.get_username()


AUDIT_RUN = 3  # this many audit entries in a row, or more, fold into one item


def fold_audit_runs(rows: list[dict]) -> list[dict]:
    """Runs of AUDIT_RUN or more consecutive audit rows (a manager's timeline: one deal writes
    a dozen entries in a minute) become one folded row, "N changes recorded", newest first;
    the customer's own history (orders, interactions, notes, tasks, losses) stays in sight."""
    from django.utils.translation import ngettext

    folded: list[dict] = []
    run: list[dict] = []

    def close():
        if len(run) >= AUDIT_RUN:
            summary = ngettext("%(n)d change recorded", "%(n)d changes recorded", len(run)) % {
                "n": len(run)
            }
            folded.append(
                {"kind": "audit_run", "at": run[0]["at"], "summary": summary, "rows": run[:]}
            )
        else:
            folded.extend(run)
        run.clear()

    for row in rows:
        if row["kind"] == "audit":
            run.append(row)
            continue
        close()
        folded.append(row)
    close()
    return folded


def items_html(items: list[TimelineItem], *, writable: bool, csrf_input: str = "") -> str:
    """The timeline's <li> items, rendered by Jinja2 (guanxi/fast_templates.py): in Django's
    template language each item cost ~0.15 ms of CPU (about a dozen nodes, a URL, a date and
    the choice labels per item); prepared here and rendered compiled, a few hundredths.
    `writable`: whether the user may mark the tasks done; `csrf_input`: the page's CSRF input
    for their forms (fast_templates.csrf_input)."""
    from django.urls import reverse
    from django.utils import formats
    from django.utils.text import capfirst
    from django.utils.timezone import localtime

    from guanxi.activities.body_language import described
    from guanxi.customers.templatetags.guanxi_ui import (
        change_rows,
        is_overdue,
        model_label,
        reveal_rows,
    )
    from guanxi.fast_templates import render_fragment

    labels = {
        "interaction": _("Interaction"),
        "order": _("Order"),
        "note": _("Note"),
        "system": _("system"),
        "audit": (_("Audit trail"), ""),
        "lost": (_("Marked lost"), "danger"),
        "lost_changed": (_("Reason for the loss corrected"), "danger"),
        "won_back": (_("Won back"), "ok"),
        "done": (_("Done"), "ok"),
        "overdue": (_("Overdue"), "danger"),
        "open": (_("Open"), "warn"),
    }
    choices: dict = {}

    def shown(obj, name: str) -> str:
        """get_FOO_display without its per-call dict of every choice: one per field and
        catalog (the labels translated once, not cast on every page)."""
        field = obj._meta.get_field(name)
        if field not in choices:
            choices[field] = choice_labels(field)
        value = getattr(obj, name)
        return choices[field].get(value, value)

    rows = []
    for item in items:
        o = item.obj
        at = item.at
        row = {
            "kind": item.kind,
            "at": formats.date_format(localtime(at), "SHORT_DATETIME_FORMAT") if at else "",
            "title": item.title,
            "body": item.body,
        }
        if item.kind == "interaction":
            row["meta"] = [
                (labels["interaction"], ""),
                (shown(o, "channel"), ""),
                (shown(o, "direction"), ""),
                (shown(o, "content_kind"), ""),
            ] + ([(_who(o.user), "")] if o.user_id else [])
            if o.contact_name:  # a firm's contact (a new-user review missed whom it was with)
                row["meta"].append((_("Contact: %(name)s") % {"name": o.contact_name}, ""))
            row["signals"] = described(o.body_language) if o.body_language else []
        elif item.kind == "order":
            row["meta"] = [(labels["order"], ""), (shown(o, "status"), "")]
            row["url"] = reverse("sales:order_detail", args=[o.pk])
            row["total"] = format_money(o.total, o.currency)
            row["lines"] = item.body
        elif item.kind == "note":
            row["meta"] = [(labels["note"], ""), (shown(o, "kind"), "")] + (
                [(_who(o.author), "")] if o.author_id else []
            )
        elif item.kind == "task":
            overdue = is_overdue(o)
            state = labels["done" if o.done_at else "overdue" if overdue else "open"]
            row["meta"] = [(shown(o, "kind"), ""), state] + (
                [(_who(o.assignee), "")] if o.assignee_id else []
            )
            row["overdue"] = overdue
            if not o.done_at and writable:
                row["done_url"] = reverse("activities:task_done", args=[o.pk])
        else:  # the audit trail: a change, a loss, its correction or a win-back
            actor = _who(o.actor) if o.actor_id else labels["system"]
            row["meta"] = (
                [labels[item.kind]]
                + ([(model_label(o.model), "")] if item.kind == "audit" else [])
                + [(actor, "")]
            )
            if item.kind == "audit" and o.action == "reveal":
                row["facts"] = [(capfirst(label), value) for label, value in reveal_rows(o)]
            elif item.kind == "audit":
                row["changes"] = [(capfirst(label), old, new) for label, old, new in change_rows(o)]
                if o.action == "update" and not row["changes"]:
                    continue  # a change that changed nothing shown ("0.00 → 0"): no item
        rows.append(row)
    context = {
        "rows": fold_audit_runs(rows),
        "mark_done": _("Mark done"),
        "nothing": _("Nothing has happened with this customer yet."),
        "csrf_input": csrf_input,
    }
    return render_fragment("workspace/_timeline_items.html", context)
