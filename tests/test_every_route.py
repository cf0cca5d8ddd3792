"""Every URL pattern and every API operation, called across team lines: nothing outside the
caller's scope is read or changed.

The routes are not listed by hand: the page routes come from walking Django's resolver, the API
operations from the OpenAPI schema at /api/v1/openapi.json (checked against ninja's routers, so
none hides from the schema). Each needs a recipe below saying how to fill its parameters with
ids of records of the other team; a route without one fails the test ("new route ...: add it to
the test"), so a new route is covered without anyone remembering.

Two worlds, one per team, each a customer with a contact, interaction, note, order, tags,
tasks and collaborators, every text carrying the world's secret marker. The cases:
- reps of the other team (rep1 ↔ rep2): read nothing, change nothing;
- a read-only user (viewer, team A): reads team A, changes nothing; reads nothing of team B;
- an expired write collaborator of A: reads nothing, changes nothing;
- a read collaborator of A: reads A, changes nothing;
- a write collaborator of A (another team): every route that manages the customer (share,
  unshare, delete, transfer, reveal, erase, export personal data, record consent, delete an
  order or another's interaction or task) answers 403, nothing changes.
Tasks of each world are assigned to the outsiders (issue 7 item 1). Pages are called with GET,
POST and htmx POST (CSRF enforced, the token sent like the browser does); API operations with
the method they declare and a body that passes the schema, so the scope check is what answers.
"""

import re
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLResolver, get_resolver, reverse
from django.utils import timezone

from guanxi.accounts.models import ApiToken, Department, Profile
from guanxi.accounts.services import profile_of
from guanxi.activities.models import Interaction, Note, Task
from guanxi.audit.models import AuditEntry
from guanxi.contracts.models import Contract, ContractLine, Instalment, Payment, Quote, QuoteLine
from guanxi.customers.models import Collaborator, Contact, Customer, MergeRecord
from guanxi.leads.models import Lead, LeadForm
from guanxi.pipeline.models import AskedQuestion as PipelineQuestion
from guanxi.pipeline.models import (
    NegotiationPlan,
    Objection,
    Opportunity,
    SalesTarget,
    SpinNote,
    Stage,
)
from guanxi.privacy.models import Consent, RevealLog
from guanxi.sales.models import Order, OrderLine, Product, Refund
from guanxi.sales.services import TRANSITIONS
from guanxi.scoring.models import AnalysisSettings
from guanxi.segments.models import Segment, SegmentMembership, SegmentSnapshot
from guanxi.service.models import Case
from guanxi.surveys.models import Answer, Invitation, Question, Survey
from guanxi.surveys.models import Response as SurveyResponse
from guanxi.voice.models import Review, ReviewSet

# Recipes ----------------------------------------------------------------------------------


@dataclass
class Call:
    """One way of calling a route: path parameters, query string, form or JSON body."""

    kwargs: dict = field(default_factory=dict)
    query: dict = field(default_factory=dict)
    data: dict = field(default_factory=dict)


@dataclass
class Recipe:
    """bound: the route names a record of the world (404 for who cannot read it, 403 for who
    can only read it); writes: a page that changes something (its GET form is refused too);
    manages: only the owner's side may (a write collaborator gets 403);
    personal: the route names the world owner's own things (an API token): 404 for everyone
    else, whatever their access to the world's customer;
    team: team administration: 403 for everyone but managers (none of the personas is one)."""

    calls: object  # (ctx) -> list[Call]
    bound: bool = False
    writes: bool = False
    manages: bool = False  # share, unshare, delete, transfer, reveal, erase, export, merge away
    personal: bool = False
    team: bool = False

    @property
    def for_write_collaborator(self) -> bool:
        return self.manages or self.personal or self.team


def one(**kwargs):
    return lambda ctx: [Call(kwargs={k: v(ctx) for k, v in kwargs.items()})]


def w(name):
    return lambda ctx: getattr(ctx.world, name).pk


def import_file(ctx):
    body = f"姓名,手机\nHACKED,{ctx.world.customer.mobile}\n"
    return SimpleUploadedFile("c.csv", body.encode(), content_type="text/csv")


def orders_file(ctx):
    """Orders for the world's customer (by its mobile) and onto its existing order number."""
    world = ctx.world
    body = (
        "订单号,客户手机,下单时间,商品编码,数量,单价\n"
        f"HACK-1,{world.customer.mobile},2024-03-05,{ctx.product.sku},1,1\n"
        f"{world.order.number},{world.customer.mobile},2024-03-05,{ctx.product.sku},9,1\n"
    )
    return SimpleUploadedFile("o.csv", body.encode(), content_type="text/csv")


def reviews_file(ctx):
    """Reviews naming the world's customer by id: refused (not in the caller's scope)."""
    body = f"评论,评分,客户编号\nHACKED,1,{ctx.world.customer.pk}\n"
    return SimpleUploadedFile("r.csv", body.encode(), content_type="text/csv")


def cw(name):
    """The id of a record of the world owner's private research project."""
    return lambda ctx: ctx.world.coding[name].pk


def own_project(ctx) -> int:
    """A research project of the caller's own, to pull the world's records into."""
    from guanxi.coding.models import CodingProject

    project, _created = CodingProject.objects.get_or_create(
        owner=ctx.user, title=f"{ctx.user.username} 的研究"
    )
    return project.pk


def pull_calls(ctx) -> list:
    """Pulling the world's complaint, note and review into the caller's own project, and
    anything into the world's private project. A reader of the world's customer may pull
    them (a copy in their own project, audited on the customer's trail: tests/coding), so
    for them only the world's project is tried."""
    from guanxi.accounts.scope import visible_customers

    own, world = own_project(ctx), ctx.world
    review = world.review_set.reviews.filter(customer__isnull=False).get().pk
    note = Note.objects.filter(customer=world.customer).first().pk
    calls = [
        Call(kwargs={"pk": own}, query={"kind": "case", "q": "投诉"}),
        Call(kwargs={"pk": cw("project")(ctx)}, data={"kind": "case", "origin_id": world.case.pk}),
    ]
    if visible_customers(ctx.user).filter(pk=world.customer.pk).exists():
        return calls
    return calls + [
        Call(kwargs={"pk": own}, data={"kind": "case", "origin_id": world.case.pk}),
        Call(kwargs={"pk": own}, data={"kind": "note", "origin_id": note}),
        Call(kwargs={"pk": own}, data={"kind": "review", "origin_id": review}),
    ]


def api_pull_calls(ctx) -> list:
    return [
        Call(kwargs={"project_id": call.kwargs["pk"]}, data=call.data)
        for call in pull_calls(ctx)
        if call.data
    ]


def merge_calls(name: str):
    """Merging the world's customer away into the caller's own customer, and merging the
    world's duplicate (shared as the customer is) into it: a write collaborator may change both
    but manage neither."""

    def calls(ctx):
        own, world = ctx.own.pk, ctx.world
        return [
            Call(kwargs={name: own}, data={"other": world.customer.pk}),
            Call(kwargs={name: world.customer.pk}, data={"other": world.duplicate.pk}),
        ]

    return calls


def team_member(ctx):
    return ctx.world.owner.pk


def department(ctx):
    return ctx.world.department.pk


def task_calls(ctx):
    return [Call(kwargs={"pk": task.pk}) for task in ctx.world.tasks]


def scored(ctx):
    """The world's customer with current scores that put it in every dashboard (a high churn
    risk, a CLV among the top): its name, carrying the world's marker, would show on the churn
    warnings and the top customers of anyone whose scope reached it."""
    from guanxi.scoring.models import CustomerScore, RunStatus, RunTrigger, ScoringRun

    run = ScoringRun.objects.filter(status=RunStatus.SUCCEEDED).first()
    if run is None:
        run = ScoringRun.objects.create(
            status=RunStatus.SUCCEEDED,
            trigger=RunTrigger.COMMAND,
            as_of=timezone.localdate(),
            finished_at=timezone.now(),
        )
    CustomerScore.objects.get_or_create(
        customer=ctx.world.customer,
        defaults={
            "run": run,
            "as_of": run.as_of,
            "model_version": run.model_version,
            "r": 1,
            "f": 2,
            "monetary": 900,
            "clv_historical": 900,
            "clv_predicted": 5000,
            "rfm_segment": "at_risk",
            "abc_tier": "A",
            "pyramid_level": "top",
            "lifecycle_stage": "decline",
            "loyalty_index": 60.0,
            "loyalty_step": "repeat_purchase",
            "value_loyalty_quadrant": "true_friends",
            "churn_risk": "high",
            "churn_reason": "overdue",
            "recency_days": 200,
            "recovery_priority": 1,
            "recovery_action": "recover_at_all_costs",
        },
    )


def dashboard_calls(theme: str):
    def calls(ctx):
        scored(ctx)
        query = [{"risk": "high"}, {"risk": "medium", "page": "2"}] if theme == "warnings" else [{}]
        return [Call(query=q) for q in query]

    return calls


def world_pool(ctx):
    """A pool of the world's team with a customer waiting in it whose name carries the world's
    marker: its members (and whoever reads the team's customers) see it, nobody else."""
    from guanxi.pool.models import Pool

    world = ctx.world
    pool, created = Pool.objects.get_or_create(name=f"{world.marker} 公海")
    if created:
        pool.departments.set([world.department])
        Customer.objects.create(
            name=f"{world.marker} 公海客户",
            pool=pool,
            department=world.department,
            pooled_at=timezone.now(),
            previous_owner=world.owner,
        )
    return pool.pk


ADMIN_FILL = {
    "object_id": lambda ctx: str(ctx.world.owner.pk),
    "id": lambda ctx: str(ctx.world.owner.pk),
    "app_label": lambda ctx: "accounts",
    "content_type_id": lambda ctx: str(ContentType.objects.get_for_model(Customer).pk),
    "url": lambda ctx: "customers/customer/",
}

PAGE_RECIPES: dict[str, Recipe] = {
    "home": Recipe(one()),  # the home dashboard: figures of the caller's own scope
    "home_indicators": Recipe(one()),  # the manager's figures (404 for who leads nobody)
    "login": Recipe(one()),
    "logout": Recipe(one()),
    "set_language": Recipe(one()),
    "api:openapi-json": Recipe(one()),
    "api:openapi-view": Recipe(one()),
    "api:api-root": Recipe(one()),
    "customers:list": Recipe(
        lambda ctx: [
            Call(),
            Call(query={"q": ctx.world.customer.mobile}),
            Call(query={"q": "secret", "sort": "name"}),
            Call(query={"rfm_segment": "champions", "sort": "-clv_predicted"}),
            Call(query={"lost": "1", "loyalty_type": "super_value", "p_alive_min": "0"}),
        ]
    ),
    "customers:create": Recipe(one()),
    "ping": Recipe(one()),  # the benchmark's bare view: no data at all
    "favicon": Recipe(one()),  # a redirect to a static file
    # bulk actions on a selection naming the world's customer: nothing changes, nothing shown
    "customers:bulk": Recipe(
        lambda ctx: [
            Call(data={"action": "add_tag", "tag": "HACKED", "ids": [c(ctx)]}),
            Call(data={"action": "remove_tag", "tag": "secret", "ids": [c(ctx)]}),
            Call(data={"action": "assign", "owner": ctx.own.owner_id, "ids": [c(ctx)]}),
            Call(data={"action": "export", "ids": [c(ctx)]}),
        ],
        writes=True,
    ),
    "customers:duplicates": Recipe(
        lambda ctx: [
            Call(
                query={"mobile": ctx.world.customer.mobile, "exclude": ctx.world.customer.pk},
            )
        ]
    ),
    "customers:detail": Recipe(one(pk=w("customer")), bound=True),
    "customers:edit": Recipe(one(pk=w("customer")), bound=True, writes=True),
    "customers:contact_create": Recipe(one(pk=w("customer")), bound=True, writes=True),
    "customers:contact_edit": Recipe(
        one(pk=w("customer"), contact_pk=w("contact")), bound=True, writes=True
    ),
    "customers:collaborator_share": Recipe(
        lambda ctx: [
            Call(kwargs={"pk": c(ctx)}, data={"user": user.pk, "access": "write"})
            for user in (ctx.user, ctx.world.owner)
        ],
        bound=True,
        writes=True,
        manages=True,
    ),
    "customers:collaborator_remove": Recipe(
        lambda ctx: [
            Call(kwargs={"pk": c(ctx), "user_id": user_id})
            for user_id in [ctx.user.pk, *ctx.world.collaborator_ids]
        ],
        bound=True,
        writes=True,
        manages=True,
    ),
    "customers:merge": Recipe(
        lambda ctx: [
            Call(kwargs=c.kwargs, query=c.data, data=c.data) for c in merge_calls("pk")(ctx)
        ],
        bound=True,
        writes=True,
        manages=True,
    ),
    # the scores panel: the loyalty type needs write access; lost and won back the owner's side
    "customers:loyalty_type": Recipe(one(pk=w("customer")), bound=True, writes=True),
    "customers:mark_lost": Recipe(one(pk=w("customer")), bound=True, writes=True, manages=True),
    "customers:win_back": Recipe(one(pk=w("customer")), bound=True, writes=True, manages=True),
    "customers:merge_undo": Recipe(
        one(pk=w("customer"), merge_pk=lambda ctx: ctx.world.merge.pk), bound=True, writes=True
    ),
    # own account: nobody reaches another user's tokens or password
    "accounts:account": Recipe(one()),
    "accounts:password_change": Recipe(
        lambda ctx: [
            Call(
                data={
                    "user": ctx.world.owner.pk,
                    "username": ctx.world.owner.username,
                    "old_password": "wrong-password",
                    "new_password1": "HACKED-pass-2024!",
                    "new_password2": "HACKED-pass-2024!",
                }
            )
        ]
    ),
    "accounts:token_revoke": Recipe(one(pk=lambda ctx: ctx.world.token.pk), personal=True),
    # a token for the caller themselves, whoever the form names
    "accounts:token_create": Recipe(
        lambda ctx: [Call(data={"user": ctx.world.owner.pk, "username": ctx.world.owner.username})]
    ),
    # team administration (managers only)
    "team:home": Recipe(lambda ctx: [Call(), Call(query={"status": "inactive"})], team=True),
    "team:user_create": Recipe(one(), team=True),
    "team:user_edit": Recipe(one(pk=team_member), team=True),
    "team:user_deactivate": Recipe(
        lambda ctx: [Call(kwargs={"pk": team_member(ctx)}, data={"transfer_to": ctx.user.pk})],
        team=True,
    ),
    "team:user_reactivate": Recipe(one(pk=team_member), team=True),
    "team:user_password": Recipe(one(pk=team_member), team=True),
    "team:department_create": Recipe(one(), team=True),
    "team:department_edit": Recipe(
        lambda ctx: [Call(kwargs={"pk": department(ctx)}, data={"parent": ""})], team=True
    ),
    "sales:products": Recipe(one()),
    "sales:product_create": Recipe(one()),
    "sales:product_edit": Recipe(one(pk=lambda ctx: ctx.product.pk)),
    "sales:product_bulk": Recipe(
        lambda ctx: [
            Call(data={"action": action, "ids": [ctx.product.pk]})
            for action in ("deactivate", "activate", "export")
        ],
        writes=True,
    ),
    "sales:orders": Recipe(one()),
    "sales:order_create": Recipe(
        lambda ctx: [Call(query={"customer": ctx.world.customer.pk})], bound=True, writes=True
    ),
    "sales:order_detail": Recipe(one(pk=w("order")), bound=True),
    "sales:order_print": Recipe(one(pk=w("order")), bound=True),
    "sales:order_edit": Recipe(
        lambda ctx: [
            Call(
                kwargs={"pk": ctx.world.order.pk},
                data={"ordered_at": "2024-03-05 10:00", "currency": "USD"},
            )
        ],
        bound=True,
        writes=True,
    ),
    "sales:order_refund": Recipe(
        lambda ctx: [
            Call(kwargs={"pk": ctx.world.order.pk}, data={"reason": "HACKED", "amount": "1"})
        ],
        bound=True,
        writes=True,
    ),
    # confirm, ship, complete, cancel: the world's (completed) order stays as it is
    "sales:order_action": Recipe(
        lambda ctx: [
            Call(kwargs={"pk": ctx.world.order.pk, "action": action}, data={"reason": "HACKED"})
            for action in TRANSITIONS
        ],
        bound=True,
        writes=True,
    ),
    # bulk actions on a selection naming the world's order: nothing changes, nothing shown
    "sales:order_bulk": Recipe(
        lambda ctx: [
            Call(data={"action": "status", "status": "shipped", "ids": [ctx.world.order.pk]}),
            Call(data={"action": "export", "ids": [ctx.world.order.pk]}),
        ],
        writes=True,
    ),
    # the dashboards: aggregates and lists over the caller's own scope (a scored world)
    "insights:index": Recipe(one()),
    **{
        f"insights:{theme}{suffix}": Recipe(dashboard_calls(theme))
        for theme in (
            "rfm",
            "abc",
            "pyramid",
            "cohorts",
            "clv",
            "quadrants",
            "loyalty",
            "lifecycle",
            "warnings",
            "churn",
            "satisfaction",
        )
        for suffix in ("", "_xlsx")
    },
    "activities:inbox": Recipe(one()),
    "activities:task_done": Recipe(task_calls, bound=True, writes=True),
    # bulk actions on a selection of the world's tasks: nothing changes, nothing shown
    "activities:task_bulk": Recipe(
        lambda ctx: [
            Call(data={"action": "done", "ids": [t.pk for t in ctx.world.tasks]}),
            Call(
                data={
                    "action": "reassign",
                    "assignee": ctx.user.pk,
                    "ids": [t.pk for t in ctx.world.tasks],
                }
            ),
            Call(data={"action": "export", "ids": [t.pk for t in ctx.world.tasks]}),
        ],
        writes=True,
    ),
    "activities:interaction_create": Recipe(
        one(customer_pk=w("customer")), bound=True, writes=True
    ),
    "activities:note_create": Recipe(one(customer_pk=w("customer")), bound=True, writes=True),
    "activities:task_create": Recipe(one(customer_pk=w("customer")), bound=True, writes=True),
    "privacy:reveal": Recipe(one(pk=w("customer")), bound=True, writes=True, manages=True),
    # consent is the owner's side's to record (issue 7 follow-up): a collaborator gets 403
    "privacy:consent": Recipe(one(pk=w("customer")), bound=True, writes=True, manages=True),
    "dataio:import": Recipe(
        lambda ctx: [
            Call(data={"kind": "customers", "on_duplicate": "merge", "file": import_file}),
            Call(data={"kind": "customers", "on_duplicate": "skip", "file": import_file}),
            Call(data={"kind": "orders", "skip_invalid": "on", "file": orders_file}),
        ]
    ),
    # scoring runs: counts and dates only, for anyone signed in; recomputing is for managers
    "scoring:runs": Recipe(one()),
    "scoring:status": Recipe(one()),
    "scoring:recompute": Recipe(one(), team=True),
    "score": Recipe(one(), team=True),
    "dataio:export": Recipe(
        lambda ctx: [
            Call(kwargs={"kind": kind, "fmt": fmt})
            for kind in ("customers", "orders")
            for fmt in ("csv", "xlsx")
        ]
    ),
    # segments: anyone saves their own; the world owner's private segment is nobody else's
    # (its shared one: test_shared_segments_show_each_viewer_only_their_scope)
    "segments:list": Recipe(one()),
    "segments:create": Recipe(lambda ctx: [Call(data={"query": "level=A&sort=name"})]),
    "segments:detail": Recipe(one(pk=w("segment")), personal=True),
    "segments:edit": Recipe(
        lambda ctx: [Call(kwargs={"pk": ctx.world.segment.pk}, data={"query": "level=B"})],
        personal=True,
    ),
    "segments:delete": Recipe(one(pk=w("segment")), personal=True),
    "segments:snapshot": Recipe(one(pk=w("segment")), personal=True),
    "segments:export": Recipe(
        lambda ctx: [Call(kwargs={"pk": ctx.world.segment.pk, "fmt": f}) for f in ("csv", "xlsx")],
        personal=True,
    ),
    "segments:customer_history": Recipe(one(pk=w("customer")), bound=True),
    # review mining: every member of staff reads the sets; the world's review names its
    # customer, which only those who may see that customer are shown
    "voice:list": Recipe(one()),
    "voice:import": Recipe(lambda ctx: [Call(data={"name": "HACKED", "file": reviews_file})]),
    "voice:detail": Recipe(one(pk=w("review_set"))),
    "voice:progress": Recipe(one(pk=w("review_set"))),
    "voice:reviews": Recipe(
        lambda ctx: [
            Call(kwargs={"pk": ctx.world.review_set.pk}),
            Call(kwargs={"pk": ctx.world.review_set.pk}, query={"keyword": "门票"}),
        ]
    ),
    # only its importer or a manager: the other personas get 403 and nothing changes
    "voice:analyse": Recipe(one(pk=w("review_set"))),
    "voice:delete": Recipe(one(pk=w("review_set"))),
    # qualitative coding: the world owner's research project is private (404 to everyone
    # else); pulling the world's records into one's own project needs read access to them
    "coding:list": Recipe(one()),
    "coding:create": Recipe(lambda ctx: [Call(data={"title": "HACKED"})]),
    "coding:detail": Recipe(one(pk=cw("project")), personal=True),
    "coding:edit": Recipe(
        lambda ctx: [Call(kwargs={"pk": cw("project")(ctx)}, data={"title": "HACKED"})],
        personal=True,
    ),
    "coding:delete": Recipe(one(pk=cw("project")), personal=True),
    "coding:document_create": Recipe(
        lambda ctx: [
            Call(kwargs={"pk": cw("project")(ctx)}, data={"title": "HACKED", "text": "HACKED"})
        ],
        personal=True,
    ),
    "coding:pull": Recipe(pull_calls),
    "coding:code_create": Recipe(
        lambda ctx: [Call(kwargs={"pk": cw("project")(ctx)}, data={"name": "HACKED"})],
        personal=True,
    ),
    "coding:axial": Recipe(one(pk=cw("project")), personal=True),
    "coding:category_create": Recipe(
        lambda ctx: [Call(kwargs={"pk": cw("project")(ctx)}, data={"name": "HACKED"})],
        personal=True,
    ),
    "coding:relation_create": Recipe(
        lambda ctx: [
            Call(
                kwargs={"pk": cw("project")(ctx)},
                data={
                    "source": cw("other")(ctx),
                    "target": cw("category")(ctx),
                    "kind": "sequence",
                },
            )
        ],
        personal=True,
    ),
    "coding:core": Recipe(
        lambda ctx: [
            Call(
                kwargs={"pk": cw("project")(ctx)},
                data={"core_category": cw("category")(ctx), "story_line": "HACKED"},
            )
        ],
        personal=True,
    ),
    "coding:tree": Recipe(one(pk=cw("project")), personal=True),
    "coding:export": Recipe(
        lambda ctx: [
            Call(kwargs={"pk": cw("project")(ctx), "fmt": fmt}) for fmt in ("xlsx", "json", "md")
        ],
        personal=True,
    ),
    "coding:document": Recipe(one(pk=cw("document")), personal=True),
    "coding:document_delete": Recipe(one(pk=cw("document")), personal=True),
    "coding:fragment_create": Recipe(
        lambda ctx: [
            Call(
                kwargs={"pk": cw("document")(ctx)},
                data={"quote": "回复太慢", "new_codes": "HACKED"},
            )
        ],
        personal=True,
    ),
    "coding:fragment_delete": Recipe(one(pk=cw("fragment")), personal=True),
    "coding:code_edit": Recipe(
        lambda ctx: [Call(kwargs={"pk": cw("code")(ctx)}, data={"name": "HACKED"})],
        personal=True,
    ),
    "coding:code_delete": Recipe(one(pk=cw("code")), personal=True),
    "coding:category_edit": Recipe(
        lambda ctx: [Call(kwargs={"pk": cw("category")(ctx)}, data={"name": "HACKED"})],
        personal=True,
    ),
    "coding:category_delete": Recipe(one(pk=cw("category")), personal=True),
    "coding:property_create": Recipe(
        lambda ctx: [Call(kwargs={"pk": cw("category")(ctx)}, data={"name": "HACKED"})],
        personal=True,
    ),
    "coding:property_delete": Recipe(one(pk=cw("property")), personal=True),
    "coding:relation_delete": Recipe(one(pk=cw("relation")), personal=True),
    # service cases: visible and writable exactly when their customer is
    "cases:list": Recipe(
        lambda ctx: [Call(), Call(query={"status": "open"}), Call(query={"overdue": "on"})]
    ),
    "cases:create": Recipe(
        lambda ctx: [
            Call(query={"customer": c(ctx)}, data={"channel": "hotline", "cause": "other"})
        ],
        bound=True,
        writes=True,
    ),
    "cases:implicit": Recipe(one()),
    "cases:stats": Recipe(one()),
    "cases:detail": Recipe(one(pk=w("case")), bound=True),
    "cases:edit": Recipe(
        lambda ctx: [
            Call(kwargs={"pk": ctx.world.case.pk}, data={"channel": "hotline", "cause": "other"})
        ],
        bound=True,
        writes=True,
    ),
    "cases:assign": Recipe(
        lambda ctx: [Call(kwargs={"pk": ctx.world.case.pk}, data={"assignee": ctx.user.pk})],
        bound=True,
        writes=True,
    ),
    "cases:escalate": Recipe(one(pk=w("case")), bound=True, writes=True),
    "cases:resolve": Recipe(
        lambda ctx: [Call(kwargs={"pk": ctx.world.case.pk}, data={"resolution": "HACKED"})],
        bound=True,
        writes=True,
    ),
    "cases:close": Recipe(one(pk=w("case")), bound=True, writes=True),
    "cases:start": Recipe(one(pk=w("case")), bound=True, writes=True),
    "cases:follow_up": Recipe(
        lambda ctx: [Call(kwargs={"pk": ctx.world.case.pk}, data={"satisfaction_score": "5"})],
        bound=True,
        writes=True,
    ),
    # the public pool (公海): a pool's customers for its members only; claiming the world's
    # (owned, pool-less) customer is refused to all; release and lock are the owner side's;
    # settings, run now and transfers for managers (and leads) only
    "pool:index": Recipe(lambda ctx: [Call(), Call(query={"q": "secret", "level": "B"})]),
    "pool:pool": Recipe(lambda ctx: [Call(kwargs={"pk": world_pool(ctx)})]),
    "pool:claim": Recipe(one(pk=w("customer")), writes=True),
    "pool:release": Recipe(one(pk=w("customer")), bound=True, writes=True, manages=True),
    "pool:lock": Recipe(
        lambda ctx: [Call(kwargs={"pk": ctx.world.customer.pk}, data={"locked": "1"})],
        bound=True,
        writes=True,
        manages=True,
    ),
    "pool:settings": Recipe(one(), team=True),
    "pool:create": Recipe(lambda ctx: [Call(data={"name": "HACKED"})], team=True),
    "pool:edit": Recipe(
        lambda ctx: [Call(kwargs={"pk": world_pool(ctx)}, data={"name": "HACKED"})], team=True
    ),
    "pool:run": Recipe(one(), team=True),
    "pool:transfer": Recipe(
        lambda ctx: [
            Call(data={"ids": str(ctx.world.customer.pk), "to_user": ctx.user.pk}),
            Call(data={"from_user": ctx.world.owner.pk, "to_user": ctx.user.pk}),
        ],
        team=True,
    ),
    # surveys: definitions for everyone, building and inviting for managers; invitations and
    # answers (the world's customer's free text carries the marker) within the scope only
    "surveys:list": Recipe(one()),
    "surveys:create": Recipe(one(), team=True),
    "surveys:detail": Recipe(one(pk=lambda ctx: ctx.world.survey.pk)),
    "surveys:edit": Recipe(one(pk=lambda ctx: ctx.world.draft.pk), team=True),
    "surveys:question_add": Recipe(
        lambda ctx: [Call(kwargs={"pk": ctx.world.draft.pk}, data={"kind": "rating"})], team=True
    ),
    "surveys:question_delete": Recipe(
        one(pk=lambda ctx: ctx.world.draft.pk, question_pk=lambda ctx: ctx.world.draft_question.pk),
        team=True,
    ),
    "surveys:open": Recipe(one(pk=lambda ctx: ctx.world.draft.pk), team=True),
    "surveys:close": Recipe(one(pk=lambda ctx: ctx.world.survey.pk), team=True),
    "surveys:invite": Recipe(
        lambda ctx: [
            Call(kwargs={"pk": ctx.world.survey.pk}, data={"customers": ctx.world.customer.name})
        ],
        team=True,
    ),
    "surveys:invitation_link": Recipe(one(pk=lambda ctx: ctx.world.invitation.pk), team=True),
    "surveys:results": Recipe(
        lambda ctx: [
            Call(kwargs={"pk": ctx.world.survey.pk}),
            Call(
                kwargs={"pk": ctx.world.survey.pk}, query={"segment": ctx.world.shared_segment.pk}
            ),
        ]
    ),
    "surveys:results_xlsx": Recipe(one(pk=lambda ctx: ctx.world.survey.pk)),
    # the pipeline: opportunities (and their notes, questions, objections, plans) go with
    # their customer's scope; stages and targets are the managers'
    "pipeline:board": Recipe(
        lambda ctx: [Call(), Call(query={"owner": ctx.world.owner.pk, "close_month": "2026-12"})]
    ),
    "pipeline:list": Recipe(lambda ctx: [Call(), Call(query={"status": "open"})]),
    "pipeline:reports": Recipe(lambda ctx: [Call(), Call(query={"owner": ctx.world.owner.pk})]),
    "pipeline:create": Recipe(
        lambda ctx: [Call(query={"customer": c(ctx)}, data={"currency": "CNY"})],
        bound=True,
        writes=True,
    ),
    "pipeline:detail": Recipe(one(pk=w("opportunity")), bound=True),
    "pipeline:edit": Recipe(
        lambda ctx: [Call(kwargs={"pk": ctx.world.opportunity.pk}, data={"currency": "CNY"})],
        bound=True,
        writes=True,
    ),
    "pipeline:move": Recipe(
        lambda ctx: [
            Call(kwargs={"pk": ctx.world.opportunity.pk}, data={"stage": ctx.world.next_stage})
        ],
        bound=True,
        writes=True,
    ),
    "pipeline:win": Recipe(
        lambda ctx: [Call(kwargs={"pk": ctx.world.opportunity.pk}, data={"amount": "1"})],
        bound=True,
        writes=True,
    ),
    "pipeline:lose": Recipe(
        lambda ctx: [Call(kwargs={"pk": ctx.world.opportunity.pk}, data={"lost_reason": "price"})],
        bound=True,
        writes=True,
    ),
    "pipeline:spin": Recipe(
        lambda ctx: [Call(kwargs={"pk": ctx.world.opportunity.pk}, data={"situation": "HACKED"})],
        bound=True,
        writes=True,
    ),
    "pipeline:question": Recipe(
        lambda ctx: [
            Call(kwargs={"pk": ctx.world.opportunity.pk}, data={"kind": "open", "question": "H"})
        ],
        bound=True,
        writes=True,
    ),
    "pipeline:answer": Recipe(
        lambda ctx: [Call(kwargs={"pk": ctx.world.question.pk}, data={"answer": "HACKED"})],
        bound=True,
        writes=True,
    ),
    "pipeline:objection": Recipe(
        lambda ctx: [
            Call(
                kwargs={"pk": ctx.world.opportunity.pk},
                data={"kind": "price", "statement": "HACKED", "outcome": "open"},
            )
        ],
        bound=True,
        writes=True,
    ),
    "pipeline:objection_update": Recipe(
        lambda ctx: [
            Call(
                kwargs={"pk": ctx.world.objection.pk},
                data={"response": "HACKED", "outcome": "resolved"},
            )
        ],
        bound=True,
        writes=True,
    ),
    "pipeline:plan": Recipe(
        lambda ctx: [Call(kwargs={"pk": ctx.world.opportunity.pk}, data={"walk_away": "1"})],
        bound=True,
        writes=True,
    ),
    "pipeline:stages": Recipe(
        lambda ctx: [Call(data={"custom_name": "H", "probability": "5"})], team=True
    ),
    "pipeline:stage_update": Recipe(
        lambda ctx: [Call(kwargs={"pk": ctx.world.next_stage}, data={"probability": "1"})],
        team=True,
    ),
    "pipeline:targets": Recipe(
        lambda ctx: [Call(data={"user": ctx.user.pk, "month": "2026-12", "sales_target": "1"})],
        team=True,
    ),
    "pipeline:target_delete": Recipe(one(pk=lambda ctx: ctx.world.target.pk), team=True),
    # the customers' answer page: a link that is no token answers 404, whoever asks
    "quotes:list": Recipe(lambda ctx: [Call(), Call(query={"status": "draft"})]),
    "quotes:create": Recipe(
        lambda ctx: [
            Call(
                query={"customer": c(ctx)},
                data={
                    "currency": "CNY",
                    "lines-TOTAL_FORMS": "1",
                    "lines-INITIAL_FORMS": "0",
                    "lines-0-product": ctx.product.pk,
                    "lines-0-quantity": "1",
                },
            )
        ],
        bound=True,
        writes=True,
    ),
    "quotes:detail": Recipe(one(pk=w("quote")), bound=True),
    "quotes:print": Recipe(one(pk=w("quote")), bound=True),
    "quotes:edit": Recipe(
        lambda ctx: [
            Call(
                kwargs={"pk": ctx.world.quote.pk},
                data={
                    "currency": "CNY",
                    "notes": "HACKED",
                    "lines-TOTAL_FORMS": "1",
                    "lines-INITIAL_FORMS": "0",
                    "lines-0-product": ctx.product.pk,
                },
            )
        ],
        bound=True,
        writes=True,
    ),
    "quotes:action": Recipe(
        lambda ctx: [
            Call(kwargs={"pk": ctx.world.quote.pk}, data={"action": action})
            for action in ("send", "accept", "reject")
        ],
        bound=True,
        writes=True,
    ),
    "contracts:list": Recipe(lambda ctx: [Call(), Call(query={"status": "pending"})]),
    "contracts:collections": Recipe(
        lambda ctx: [Call(), Call(query={"overdue": "on", "month": "2030-01"})]
    ),
    "contracts:detail": Recipe(one(pk=w("contract")), bound=True),
    "contracts:print": Recipe(one(pk=w("contract")), bound=True),
    "contracts:edit": Recipe(
        lambda ctx: [
            Call(kwargs={"pk": ctx.world.contract.pk}, data={"title": "HACKED", "currency": "CNY"})
        ],
        bound=True,
        writes=True,
    ),
    "contracts:action": Recipe(
        lambda ctx: [
            Call(kwargs={"pk": ctx.world.contract.pk}, data={"action": action, "reason": "HACKED"})
            for action in ("activate", "terminate", "approve", "reject")
        ],
        bound=True,
        writes=True,
    ),
    "contracts:order": Recipe(one(pk=w("contract")), bound=True, writes=True),
    "contracts:plan": Recipe(
        lambda ctx: [
            Call(
                kwargs={"pk": ctx.world.contract.pk},
                data={
                    "plan-TOTAL_FORMS": "1",
                    "plan-INITIAL_FORMS": "0",
                    "plan-0-due_date": "2030-01-01",
                    "plan-0-amount": str(ctx.world.contract.amount),
                },
            )
        ],
        bound=True,
        writes=True,
    ),
    "contracts:payment_record": Recipe(
        lambda ctx: [
            Call(
                kwargs={"pk": ctx.world.contract.pk},
                data={"received_on": "2024-03-05", "amount": "1", "method": "cash"},
            )
        ],
        bound=True,
        writes=True,
    ),
    "contracts:payment_confirm": Recipe(
        one(pk=w("payment")), bound=True, writes=True, manages=True
    ),
    "contracts:payment_void": Recipe(one(pk=w("payment")), bound=True, writes=True, manages=True),
    "respond:answer": Recipe(one(token=lambda ctx: "x" * 43)),
    # leads: the owner's side and the pool; a lead has no collaborators, so a customer's read
    # collaborator reads none of its leads (404): the routes that change a lead are bound
    # (404 outside the scope) but not "writes" (whose read-only check expects 403 for them)
    "leads:list": Recipe(
        lambda ctx: [Call(), Call(query={"owner": "pool", "sort": "score", "status": "new"})]
    ),
    "leads:pool": Recipe(one()),
    "leads:create": Recipe(one()),
    "leads:duplicates": Recipe(
        lambda ctx: [Call(query={"mobile": "139" + ctx.world.customer.mobile[6:]})]
    ),
    "leads:import": Recipe(one()),
    "leads:forms": Recipe(one(), team=True),
    "leads:form_edit": Recipe(one(pk=lambda ctx: ctx.world.lead_form.pk), team=True),
    "leads:model": Recipe(one()),
    "leads:retrain": Recipe(one(), team=True),
    "leads:detail": Recipe(one(pk=w("lead")), bound=True),
    "leads:edit": Recipe(one(pk=w("lead")), bound=True),
    "leads:status": Recipe(
        lambda ctx: [Call(kwargs={"pk": ctx.world.lead.pk}, data={"status": "qualified"})],
        bound=True,
    ),
    "leads:claim": Recipe(one(pk=w("lead")), bound=True),
    "leads:release": Recipe(one(pk=w("lead")), bound=True),
    "leads:assign": Recipe(
        lambda ctx: [Call(kwargs={"pk": ctx.world.lead.pk}, data={"owner": ctx.user.pk})],
        team=True,
    ),
    "leads:convert": Recipe(one(pk=w("lead")), bound=True),
    "leads:erase": Recipe(one(pk=w("lead")), bound=True),
    "lead_public:form": Recipe(
        lambda ctx: [Call(kwargs={"slug": "x" * 22}), Call(kwargs={"slug": "bad slug"})]
    ),
    "lead_public:thanks": Recipe(one()),
    "respond:thanks": Recipe(one()),
    # the analysis settings score everyone: managers who see all customers only
    "analysis_settings:edit": Recipe(
        lambda ctx: [Call(data={"action": "save", "abc_a_share": "0.1"})], team=True
    ),
}
# The admin is for staff: every admin route (present and future) must send our non-staff
# personas to the admin login, whatever ids it is given.
ADMIN_NAMESPACE = "admin"

# What every page POST carries on top of the recipe's data: the fields of every form, valid
# enough that only the access check can refuse.
PAGE_POST = {
    "name": "HACKED",
    "kind": "person",
    "body": "HACKED",
    "title": "HACKED",
    "subject": "HACKED",
    "channel": "phone",
    "direction": "outbound",
    "content_kind": "information",
    "due_at": "2030-01-01T09:00",
    "occurred_at": "2024-03-05T14:30",
    "view": "timeline",
    "done": "1",
    "field": "id_number",
    "purpose": "核对身份信息",
    "granted": "yes",
    "sensitive": "1",
    "level": "A",
    "username": "hacked_user",
    "email": "hacked@example.com",
    "display_name": "HACKED",
    "role": "manager",
    "data_scope": "all",
    "can_view_sensitive": "on",
    "reason": "competitor",
    "loyalty_type": "price",
}


def c(ctx):
    return ctx.world.customer.pk


API_RECIPES: dict[str, Recipe] = {
    "POST /auth/token": Recipe(
        lambda ctx: [Call(data={"username": ctx.world.owner.username, "password": "wrong"})]
    ),
    "GET /me": Recipe(one()),
    # own tokens and password: another user's token is a 404 and stays
    "GET /auth/tokens": Recipe(one()),
    "DELETE /auth/tokens/{token_id}": Recipe(
        one(token_id=lambda ctx: ctx.world.token.pk), personal=True
    ),
    "POST /auth/password": Recipe(
        lambda ctx: [
            Call(data={"old_password": "wrong-password", "new_password": "HACKED-pass-2024!"})
        ]
    ),
    # team administration (managers only)
    "GET /users": Recipe(lambda ctx: [Call(), Call(query={"active": False})], team=True),
    "POST /users": Recipe(
        lambda ctx: [Call(data={"username": "hacked_user", "role": "manager"})], team=True
    ),
    "GET /users/{user_id}": Recipe(one(user_id=team_member), team=True),
    "PATCH /users/{user_id}": Recipe(
        lambda ctx: [
            Call(
                kwargs={"user_id": team_member(ctx)},
                data={"role": "read_only", "department_id": department(ctx)},
            ),
            Call(kwargs={"user_id": ctx.user.pk}, data={"role": "manager", "data_scope": "all"}),
        ],
        team=True,
    ),
    "POST /users/{user_id}/deactivate": Recipe(
        lambda ctx: [Call(kwargs={"user_id": team_member(ctx)}, data={"transfer_to": ctx.user.pk})],
        team=True,
    ),
    "POST /users/{user_id}/reactivate": Recipe(one(user_id=team_member), team=True),
    "POST /users/{user_id}/password": Recipe(one(user_id=team_member), team=True),
    "GET /departments": Recipe(one(), team=True),
    "POST /departments": Recipe(lambda ctx: [Call(data={"name": "HACKED"})], team=True),
    "PATCH /departments/{department_id}": Recipe(
        lambda ctx: [Call(kwargs={"department_id": department(ctx)}, data={"name": "HACKED"})],
        team=True,
    ),
    "GET /customers": Recipe(
        lambda ctx: [
            Call(),
            Call(query={"q": ctx.world.customer.mobile, "tag": "SECRET"}),
            Call(query={"rfm_segment": "champions", "sort": "-clv_predicted"}),
            Call(query={"lost": True, "loyalty_type": "super_value", "p_alive_min": 0}),
        ]
    ),
    "POST /customers": Recipe(lambda ctx: [Call(data={"name": "探测客户"})]),
    "GET /customers/duplicates": Recipe(
        lambda ctx: [
            Call(query={"mobile": ctx.world.customer.mobile, "exclude_id": c(ctx)}),
        ]
    ),
    "GET /customers/{customer_id}": Recipe(one(customer_id=c), bound=True),
    "PATCH /customers/{customer_id}": Recipe(
        lambda ctx: [
            Call(kwargs={"customer_id": c(ctx)}, data={"name": "HACKED"}),
            Call(kwargs={"customer_id": c(ctx)}, data={"loyalty_type": "price"}),
        ],
        bound=True,
    ),
    "DELETE /customers/{customer_id}": Recipe(one(customer_id=c), bound=True, manages=True),
    "POST /customers/{customer_id}/owner": Recipe(
        lambda ctx: [Call(kwargs={"customer_id": c(ctx)}, data={"owner_id": ctx.user.pk})],
        bound=True,
        manages=True,
    ),
    "GET /customers/{customer_id}/audit": Recipe(one(customer_id=c), bound=True),
    "POST /customers/{customer_id}/lost": Recipe(
        lambda ctx: [
            Call(kwargs={"customer_id": c(ctx)}, data={"reason": "competitor", "note": "HACKED"})
        ],
        bound=True,
        manages=True,
    ),
    "POST /customers/{customer_id}/win-back": Recipe(
        lambda ctx: [Call(kwargs={"customer_id": c(ctx)}, data={"note": "HACKED"})],
        bound=True,
        manages=True,
    ),
    "POST /customers/{customer_id}/merge": Recipe(
        lambda ctx: [
            Call(kwargs={"customer_id": call.kwargs["pk"]}, data={"other_id": call.data["other"]})
            for call in merge_calls("pk")(ctx)
        ],
        bound=True,
        manages=True,
    ),
    "GET /customers/{customer_id}/merges": Recipe(one(customer_id=c), bound=True),
    "POST /customers/{customer_id}/merges/{merge_id}/undo": Recipe(
        one(customer_id=c, merge_id=lambda ctx: ctx.world.merge.pk), bound=True
    ),
    "GET /tags": Recipe(one()),
    "GET /customers/{customer_id}/collaborators": Recipe(one(customer_id=c), bound=True),
    "PUT /customers/{customer_id}/collaborators/{user_id}": Recipe(
        lambda ctx: [
            Call(
                kwargs={"customer_id": c(ctx), "user_id": user.pk},
                data={"access": "write", "expires_at": None},
            )
            for user in (ctx.user, ctx.world.owner)
        ],
        bound=True,
        manages=True,
    ),
    "DELETE /customers/{customer_id}/collaborators/{user_id}": Recipe(
        lambda ctx: [
            Call(kwargs={"customer_id": c(ctx), "user_id": user_id})
            for user_id in [ctx.user.pk, *ctx.world.collaborator_ids]
        ],
        bound=True,
        manages=True,
    ),
    "GET /customers/{customer_id}/contacts": Recipe(one(customer_id=c), bound=True),
    "POST /customers/{customer_id}/contacts": Recipe(
        lambda ctx: [Call(kwargs={"customer_id": c(ctx)}, data={"name": "HACKED"})], bound=True
    ),
    "GET /contacts": Recipe(lambda ctx: [Call(), Call(query={"customer_id": c(ctx)})]),
    "GET /contacts/{contact_id}": Recipe(one(contact_id=w("contact")), bound=True),
    "PATCH /contacts/{contact_id}": Recipe(
        lambda ctx: [Call(kwargs={"contact_id": ctx.world.contact.pk}, data={"name": "HACKED"})],
        bound=True,
    ),
    "DELETE /contacts/{contact_id}": Recipe(one(contact_id=w("contact")), bound=True),
    "POST /customers/{customer_id}/reveal": Recipe(
        lambda ctx: [
            Call(kwargs={"customer_id": c(ctx)}, data={"field": "id_number", "purpose": "核对身份"})
        ],
        bound=True,
        manages=True,
    ),
    "GET /customers/{customer_id}/consents": Recipe(one(customer_id=c), bound=True),
    "POST /customers/{customer_id}/consents": Recipe(
        lambda ctx: [
            Call(kwargs={"customer_id": c(ctx)}, data={"purpose": "marketing", "granted": True})
        ],
        bound=True,
        manages=True,
    ),
    "POST /customers/{customer_id}/personal-data": Recipe(
        lambda ctx: [Call(kwargs={"customer_id": c(ctx)}, data={"purpose": "客户申请"})],
        bound=True,
        manages=True,
    ),
    "POST /customers/{customer_id}/erase": Recipe(
        lambda ctx: [Call(kwargs={"customer_id": c(ctx)}, data={"purpose": "客户申请"})],
        bound=True,
        manages=True,
    ),
    "GET /interactions": Recipe(lambda ctx: [Call(), Call(query={"customer_id": c(ctx)})]),
    "POST /interactions": Recipe(
        lambda ctx: [
            Call(
                data={
                    "customer_id": c(ctx),
                    "channel": "phone",
                    "direction": "outbound",
                    "subject": "HACKED",
                }
            )
        ],
        bound=True,
    ),
    "GET /interactions/{interaction_id}": Recipe(one(interaction_id=w("interaction")), bound=True),
    "PATCH /interactions/{interaction_id}": Recipe(
        lambda ctx: [
            Call(kwargs={"interaction_id": ctx.world.interaction.pk}, data={"subject": "HACKED"})
        ],
        bound=True,
    ),
    # recorded by the owner, created by the manager: not the collaborator's to delete
    "DELETE /interactions/{interaction_id}": Recipe(
        one(interaction_id=w("interaction")), bound=True, manages=True
    ),
    "GET /tasks": Recipe(
        lambda ctx: [Call(), Call(query={"mine": True}), Call(query={"customer_id": c(ctx)})]
    ),
    "POST /tasks": Recipe(
        lambda ctx: [
            Call(data={"customer_id": c(ctx), "title": "HACKED", "due_at": "2030-01-01T09:00"})
        ],
        bound=True,
    ),
    "GET /tasks/{task_id}": Recipe(
        lambda ctx: [Call(kwargs={"task_id": t.pk}) for t in ctx.world.tasks], bound=True
    ),
    "PATCH /tasks/{task_id}": Recipe(
        lambda ctx: [
            Call(kwargs={"task_id": t.pk}, data={"done": True, "title": "HACKED"})
            for t in ctx.world.tasks
        ],
        bound=True,
    ),
    "DELETE /tasks/{task_id}": Recipe(
        lambda ctx: [Call(kwargs={"task_id": t.pk}) for t in ctx.world.tasks],
        bound=True,
        manages=True,
    ),
    "GET /customers/{customer_id}/notes": Recipe(one(customer_id=c), bound=True),
    "POST /customers/{customer_id}/notes": Recipe(
        lambda ctx: [Call(kwargs={"customer_id": c(ctx)}, data={"body": "HACKED"})], bound=True
    ),
    "GET /products": Recipe(one()),
    "POST /products": Recipe(
        lambda ctx: [Call(data={"sku": "HACK-1", "name": "HACKED", "price": "1.00"})]
    ),
    "GET /products/{product_id}": Recipe(one(product_id=lambda ctx: ctx.product.pk)),
    "PATCH /products/{product_id}": Recipe(
        lambda ctx: [Call(kwargs={"product_id": ctx.product.pk}, data={"name": "HACKED"})]
    ),
    "DELETE /products/{product_id}": Recipe(one(product_id=lambda ctx: ctx.product.pk)),
    "GET /orders": Recipe(lambda ctx: [Call(), Call(query={"customer_id": c(ctx)})]),
    "POST /orders": Recipe(
        lambda ctx: [
            Call(
                data={
                    "customer_id": c(ctx),
                    "lines": [{"product_id": ctx.product.pk, "quantity": 1}],
                }
            )
        ],
        bound=True,
    ),
    "GET /orders/{order_id}": Recipe(one(order_id=w("order")), bound=True),
    "PATCH /orders/{order_id}": Recipe(
        lambda ctx: [Call(kwargs={"order_id": ctx.world.order.pk}, data={"status": "cancelled"})],
        bound=True,
    ),
    "DELETE /orders/{order_id}": Recipe(one(order_id=w("order")), bound=True, manages=True),
    "GET /pools": Recipe(one()),
    "GET /pools/{pool_id}/customers": Recipe(
        lambda ctx: [Call(kwargs={"pool_id": world_pool(ctx)})]
    ),
    "GET /pool/customers": Recipe(one()),
    "POST /pool/customers/{customer_id}/claim": Recipe(one(customer_id=w("customer"))),
    "POST /pool/customers/{customer_id}/release": Recipe(
        lambda ctx: [Call(kwargs={"customer_id": ctx.world.customer.pk}, data={"pool_id": None})],
        bound=True,
        manages=True,
    ),
    "POST /pool/customers/{customer_id}/lock": Recipe(
        lambda ctx: [Call(kwargs={"customer_id": ctx.world.customer.pk}, data={"locked": True})],
        bound=True,
        manages=True,
    ),
    "POST /transfers": Recipe(
        lambda ctx: [
            Call(data={"ids": [ctx.world.customer.pk], "to_user_id": ctx.user.pk}),
            Call(data={"from_user_id": ctx.world.owner.pk, "to_user_id": ctx.user.pk}),
        ],
        team=True,
    ),
    "GET /cases": Recipe(lambda ctx: [Call(), Call(query={"customer_id": c(ctx)})]),
    "POST /cases": Recipe(
        lambda ctx: [
            Call(
                data={
                    "customer_id": c(ctx),
                    "channel": "hotline",
                    "cause": "other",
                    "subject": "HACKED",
                }
            )
        ],
        bound=True,
    ),
    "GET /implicit-dissatisfaction": Recipe(one()),
    "GET /cases/{case_id}": Recipe(one(case_id=w("case")), bound=True),
    "PATCH /cases/{case_id}": Recipe(
        lambda ctx: [Call(kwargs={"case_id": ctx.world.case.pk}, data={"subject": "HACKED"})],
        bound=True,
    ),
    "POST /cases/{case_id}/assign": Recipe(
        lambda ctx: [
            Call(kwargs={"case_id": ctx.world.case.pk}, data={"assignee_id": ctx.user.pk})
        ],
        bound=True,
    ),
    "POST /cases/{case_id}/escalate": Recipe(
        lambda ctx: [Call(kwargs={"case_id": ctx.world.case.pk}, data={"reason": "HACKED"})],
        bound=True,
    ),
    "POST /cases/{case_id}/resolve": Recipe(
        lambda ctx: [Call(kwargs={"case_id": ctx.world.case.pk}, data={"resolution": "HACKED"})],
        bound=True,
    ),
    "POST /cases/{case_id}/close": Recipe(
        lambda ctx: [Call(kwargs={"case_id": ctx.world.case.pk}, data={"version": None})],
        bound=True,
    ),
    "POST /cases/{case_id}/follow-up": Recipe(
        lambda ctx: [Call(kwargs={"case_id": ctx.world.case.pk}, data={"satisfaction_score": 5})],
        bound=True,
    ),
    **{
        f"POST /orders/{{order_id}}/{action}": Recipe(
            lambda ctx: [Call(kwargs={"order_id": ctx.world.order.pk}, data={"version": 1})],
            bound=True,
        )
        for action in ("confirm", "ship", "complete")
    },
    "POST /orders/{order_id}/cancel": Recipe(
        lambda ctx: [Call(kwargs={"order_id": ctx.world.order.pk}, data={"reason": "HACKED"})],
        bound=True,
    ),
    "GET /orders/{order_id}/refunds": Recipe(one(order_id=w("order")), bound=True),
    "POST /orders/{order_id}/refunds": Recipe(
        lambda ctx: [
            Call(kwargs={"order_id": ctx.world.order.pk}, data={"reason": "HACKED", "amount": "1"})
        ],
        bound=True,
    ),
    "GET /segments": Recipe(one()),
    "POST /segments": Recipe(
        lambda ctx: [Call(data={"name": "HACKED", "params": {"level": "A"}, "shared": True})]
    ),
    "GET /segments/{segment_id}": Recipe(one(segment_id=w("segment")), personal=True),
    "PATCH /segments/{segment_id}": Recipe(
        lambda ctx: [Call(kwargs={"segment_id": ctx.world.segment.pk}, data={"name": "HACKED"})],
        personal=True,
    ),
    "DELETE /segments/{segment_id}": Recipe(one(segment_id=w("segment")), personal=True),
    "GET /segments/{segment_id}/customers": Recipe(one(segment_id=w("segment")), personal=True),
    "GET /review-sets": Recipe(one()),
    "POST /review-sets": Recipe(lambda ctx: [Call(data={"name": "HACKED"})]),
    "GET /review-sets/{set_id}": Recipe(one(set_id=w("review_set"))),
    "GET /review-sets/{set_id}/reviews": Recipe(
        lambda ctx: [Call(kwargs={"set_id": ctx.world.review_set.pk}, query={"keyword": "门票"})]
    ),
    "GET /coding/projects": Recipe(one()),
    "POST /coding/projects": Recipe(lambda ctx: [Call(data={"title": "HACKED"})]),
    "GET /coding/projects/{project_id}": Recipe(one(project_id=cw("project")), personal=True),
    "PATCH /coding/projects/{project_id}": Recipe(
        lambda ctx: [Call(kwargs={"project_id": cw("project")(ctx)}, data={"title": "HACKED"})],
        personal=True,
    ),
    "DELETE /coding/projects/{project_id}": Recipe(one(project_id=cw("project")), personal=True),
    "PUT /coding/projects/{project_id}/core": Recipe(
        lambda ctx: [
            Call(
                kwargs={"project_id": cw("project")(ctx)},
                data={"core_category": cw("category")(ctx), "story_line": "HACKED"},
            )
        ],
        personal=True,
    ),
    "GET /coding/projects/{project_id}/tree": Recipe(one(project_id=cw("project")), personal=True),
    "GET /coding/projects/{project_id}/documents": Recipe(
        one(project_id=cw("project")), personal=True
    ),
    "POST /coding/projects/{project_id}/documents": Recipe(
        lambda ctx: [
            Call(
                kwargs={"project_id": cw("project")(ctx)},
                data={"title": "HACKED", "text": "HACKED"},
            )
        ],
        personal=True,
    ),
    "POST /coding/projects/{project_id}/sources": Recipe(api_pull_calls),
    "GET /coding/documents/{document_id}": Recipe(one(document_id=cw("document")), personal=True),
    "DELETE /coding/documents/{document_id}": Recipe(
        one(document_id=cw("document")), personal=True
    ),
    "GET /coding/documents/{document_id}/fragments": Recipe(
        one(document_id=cw("document")), personal=True
    ),
    "POST /coding/documents/{document_id}/fragments": Recipe(
        lambda ctx: [
            Call(
                kwargs={"document_id": cw("document")(ctx)},
                data={"quote": "回复太慢", "new_codes": ["HACKED"]},
            )
        ],
        personal=True,
    ),
    "DELETE /coding/fragments/{fragment_id}": Recipe(
        one(fragment_id=cw("fragment")), personal=True
    ),
    "GET /coding/projects/{project_id}/codes": Recipe(one(project_id=cw("project")), personal=True),
    "POST /coding/projects/{project_id}/codes": Recipe(
        lambda ctx: [Call(kwargs={"project_id": cw("project")(ctx)}, data={"name": "HACKED"})],
        personal=True,
    ),
    "PATCH /coding/codes/{code_id}": Recipe(
        lambda ctx: [Call(kwargs={"code_id": cw("code")(ctx)}, data={"name": "HACKED"})],
        personal=True,
    ),
    "DELETE /coding/codes/{code_id}": Recipe(one(code_id=cw("code")), personal=True),
    "GET /coding/projects/{project_id}/categories": Recipe(
        one(project_id=cw("project")), personal=True
    ),
    "POST /coding/projects/{project_id}/categories": Recipe(
        lambda ctx: [Call(kwargs={"project_id": cw("project")(ctx)}, data={"name": "HACKED"})],
        personal=True,
    ),
    "PATCH /coding/categories/{category_id}": Recipe(
        lambda ctx: [Call(kwargs={"category_id": cw("category")(ctx)}, data={"name": "HACKED"})],
        personal=True,
    ),
    "DELETE /coding/categories/{category_id}": Recipe(
        one(category_id=cw("category")), personal=True
    ),
    "POST /coding/categories/{category_id}/properties": Recipe(
        lambda ctx: [Call(kwargs={"category_id": cw("category")(ctx)}, data={"name": "HACKED"})],
        personal=True,
    ),
    "DELETE /coding/properties/{property_id}": Recipe(
        one(property_id=cw("property")), personal=True
    ),
    "GET /coding/projects/{project_id}/relations": Recipe(
        one(project_id=cw("project")), personal=True
    ),
    "POST /coding/projects/{project_id}/relations": Recipe(
        lambda ctx: [
            Call(
                kwargs={"project_id": cw("project")(ctx)},
                data={"source": cw("other")(ctx), "target": cw("category")(ctx), "kind": "cause"},
            )
        ],
        personal=True,
    ),
    "DELETE /coding/relations/{relation_id}": Recipe(
        one(relation_id=cw("relation")), personal=True
    ),
    "GET /leads": Recipe(
        lambda ctx: [Call(), Call(query={"owner": "pool", "sort": "-created", "min_score": 0})]
    ),
    "POST /leads": Recipe(lambda ctx: [Call(data={"name": "探测线索", "wechat": "probe"})]),
    "GET /leads/{lead_id}": Recipe(one(lead_id=w("lead")), bound=True),
    # changing a lead: 404 outside the scope is asserted in tests/leads (a customer's read
    # collaborator reads no lead, so the read-only 403 check does not apply)
    "PATCH /leads/{lead_id}": Recipe(
        lambda ctx: [Call(kwargs={"lead_id": ctx.world.lead.pk}, data={"name": "HACKED"})]
    ),
    "POST /leads/{lead_id}/claim": Recipe(one(lead_id=w("lead"))),
    "POST /leads/{lead_id}/release": Recipe(
        lambda ctx: [Call(kwargs={"lead_id": ctx.world.lead.pk}, data={"version": None})]
    ),
    "POST /leads/{lead_id}/assign": Recipe(
        lambda ctx: [Call(kwargs={"lead_id": ctx.world.lead.pk}, data={"owner_id": ctx.user.pk})],
        team=True,
    ),
    "POST /leads/{lead_id}/convert": Recipe(
        lambda ctx: [Call(kwargs={"lead_id": ctx.world.lead.pk}, data={"version": None})]
    ),
    "GET /lead-duplicates": Recipe(
        lambda ctx: [Call(query={"company": f"{ctx.world.marker} 公司"})]
    ),
    "GET /lead-forms": Recipe(one(), team=True),
    "POST /lead-forms": Recipe(
        lambda ctx: [Call(data={"name": "H", "title": "H", "consent_purpose": "H"})], team=True
    ),
    "PATCH /lead-forms/{form_id}": Recipe(
        lambda ctx: [Call(kwargs={"form_id": ctx.world.lead_form.pk}, data={"active": False})],
        team=True,
    ),
    "GET /lead-model": Recipe(one()),
    "GET /surveys": Recipe(one()),
    "POST /surveys": Recipe(lambda ctx: [Call(data={"title": "HACKED"})], team=True),
    "GET /surveys/{survey_id}": Recipe(one(survey_id=lambda ctx: ctx.world.survey.pk)),
    "GET /surveys/{survey_id}/questions": Recipe(one(survey_id=lambda ctx: ctx.world.survey.pk)),
    "POST /surveys/{survey_id}/questions": Recipe(
        lambda ctx: [
            Call(kwargs={"survey_id": ctx.world.draft.pk}, data={"kind": "rating", "text": "H"})
        ],
        team=True,
    ),
    "POST /surveys/{survey_id}/open": Recipe(
        one(survey_id=lambda ctx: ctx.world.draft.pk), team=True
    ),
    "POST /surveys/{survey_id}/close": Recipe(
        one(survey_id=lambda ctx: ctx.world.survey.pk), team=True
    ),
    "POST /surveys/{survey_id}/invitations": Recipe(
        lambda ctx: [
            Call(kwargs={"survey_id": ctx.world.survey.pk}, data={"customer_ids": [c(ctx)]})
        ],
        team=True,
    ),
    "GET /surveys/{survey_id}/invitations": Recipe(one(survey_id=lambda ctx: ctx.world.survey.pk)),
    "GET /surveys/{survey_id}/responses": Recipe(one(survey_id=lambda ctx: ctx.world.survey.pk)),
    "GET /surveys/{survey_id}/results": Recipe(
        lambda ctx: [
            Call(kwargs={"survey_id": ctx.world.survey.pk}),
            Call(
                kwargs={"survey_id": ctx.world.survey.pk},
                query={"segment_id": ctx.world.shared_segment.pk},
            ),
        ]
    ),
    # the pipeline
    "GET /opportunities": Recipe(
        lambda ctx: [Call(), Call(query={"customer_id": c(ctx)}), Call(query={"status": "open"})]
    ),
    "POST /opportunities": Recipe(
        lambda ctx: [Call(data={"customer_id": c(ctx), "name": "HACKED"})], bound=True
    ),
    "GET /opportunities/{opportunity_id}": Recipe(one(opportunity_id=w("opportunity")), bound=True),
    "PATCH /opportunities/{opportunity_id}": Recipe(
        lambda ctx: [
            Call(kwargs={"opportunity_id": ctx.world.opportunity.pk}, data={"name": "HACKED"})
        ],
        bound=True,
    ),
    "DELETE /opportunities/{opportunity_id}": Recipe(
        one(opportunity_id=w("opportunity")), bound=True
    ),
    "POST /opportunities/{opportunity_id}/move": Recipe(
        lambda ctx: [
            Call(
                kwargs={"opportunity_id": ctx.world.opportunity.pk},
                data={"stage_id": ctx.world.next_stage},
            )
        ],
        bound=True,
    ),
    "POST /opportunities/{opportunity_id}/win": Recipe(
        lambda ctx: [Call(kwargs={"opportunity_id": ctx.world.opportunity.pk}, data={"amount": 1})],
        bound=True,
    ),
    "POST /opportunities/{opportunity_id}/lose": Recipe(
        lambda ctx: [
            Call(
                kwargs={"opportunity_id": ctx.world.opportunity.pk},
                data={"lost_reason": "price"},
            )
        ],
        bound=True,
    ),
    "GET /opportunities/{opportunity_id}/spin": Recipe(
        one(opportunity_id=w("opportunity")), bound=True
    ),
    "POST /opportunities/{opportunity_id}/spin": Recipe(
        lambda ctx: [
            Call(kwargs={"opportunity_id": ctx.world.opportunity.pk}, data={"problem": "HACKED"})
        ],
        bound=True,
    ),
    "GET /opportunities/{opportunity_id}/questions": Recipe(
        one(opportunity_id=w("opportunity")), bound=True
    ),
    "POST /opportunities/{opportunity_id}/questions": Recipe(
        lambda ctx: [
            Call(
                kwargs={"opportunity_id": ctx.world.opportunity.pk},
                data={"kind": "open", "question": "HACKED"},
            )
        ],
        bound=True,
    ),
    "POST /questions/{question_id}/answer": Recipe(
        lambda ctx: [Call(kwargs={"question_id": ctx.world.question.pk}, data={"answer": "H"})],
        bound=True,
    ),
    "GET /opportunities/{opportunity_id}/objections": Recipe(
        one(opportunity_id=w("opportunity")), bound=True
    ),
    "POST /opportunities/{opportunity_id}/objections": Recipe(
        lambda ctx: [
            Call(
                kwargs={"opportunity_id": ctx.world.opportunity.pk},
                data={"kind": "price", "statement": "HACKED"},
            )
        ],
        bound=True,
    ),
    "PATCH /objections/{objection_id}": Recipe(
        lambda ctx: [
            Call(kwargs={"objection_id": ctx.world.objection.pk}, data={"outcome": "resolved"})
        ],
        bound=True,
    ),
    "GET /negotiation-plans/{opportunity_id}": Recipe(
        one(opportunity_id=w("opportunity")), bound=True
    ),
    "PUT /negotiation-plans/{opportunity_id}": Recipe(
        lambda ctx: [
            Call(kwargs={"opportunity_id": ctx.world.opportunity.pk}, data={"walk_away": 1})
        ],
        bound=True,
    ),
    "GET /stages": Recipe(one()),
    "POST /stages": Recipe(lambda ctx: [Call(data={"name": "H", "probability": 5})], team=True),
    "PATCH /stages/{stage_id}": Recipe(
        lambda ctx: [Call(kwargs={"stage_id": ctx.world.next_stage}, data={"probability": 1})],
        team=True,
    ),
    "GET /sales-targets": Recipe(one()),
    "POST /sales-targets": Recipe(
        lambda ctx: [Call(data={"user_id": ctx.user.pk, "month": "2026-12", "sales_target": 1})],
        team=True,
    ),
    "DELETE /sales-targets/{target_id}": Recipe(
        one(target_id=lambda ctx: ctx.world.target.pk), team=True
    ),
    "GET /pipeline/reports": Recipe(
        lambda ctx: [Call(), Call(query={"owner_id": ctx.world.owner.pk})]
    ),
    "GET /quotes": Recipe(lambda ctx: [Call(), Call(query={"customer_id": c(ctx)})]),
    "POST /quotes": Recipe(
        lambda ctx: [Call(data={"customer_id": c(ctx), "lines": [{"product_id": ctx.product.pk}]})],
        bound=True,
    ),
    "GET /quotes/{quote_id}": Recipe(one(quote_id=w("quote")), bound=True),
    "PATCH /quotes/{quote_id}": Recipe(
        lambda ctx: [Call(kwargs={"quote_id": ctx.world.quote.pk}, data={"notes": "HACKED"})],
        bound=True,
    ),
    **{
        f"POST /quotes/{{quote_id}}/{action}": Recipe(
            lambda ctx: [Call(kwargs={"quote_id": ctx.world.quote.pk}, data={"version": None})],
            bound=True,
        )
        for action in ("send", "accept", "reject")
    },
    "GET /contracts": Recipe(lambda ctx: [Call(), Call(query={"customer_id": c(ctx)})]),
    "POST /contracts": Recipe(
        lambda ctx: [
            Call(
                data={
                    "customer_id": c(ctx),
                    "title": "HACKED",
                    "lines": [{"product_id": ctx.product.pk}],
                }
            )
        ],
        bound=True,
    ),
    "GET /contracts/{contract_id}": Recipe(one(contract_id=w("contract")), bound=True),
    "PATCH /contracts/{contract_id}": Recipe(
        lambda ctx: [Call(kwargs={"contract_id": ctx.world.contract.pk}, data={"title": "HACKED"})],
        bound=True,
    ),
    **{
        f"POST /contracts/{{contract_id}}/{action}": Recipe(
            lambda ctx, action=action: [
                Call(
                    kwargs={"contract_id": ctx.world.contract.pk},
                    data={"version": None} if action == "order" else {"reason": "HACKED"},
                )
            ],
            bound=True,
            manages=action in ("approve", "reject"),
        )
        for action in ("submit", "approve", "reject", "activate", "complete", "terminate", "order")
    },
    "GET /contracts/{contract_id}/instalments": Recipe(one(contract_id=w("contract")), bound=True),
    "PUT /contracts/{contract_id}/instalments": Recipe(
        lambda ctx: [
            Call(
                kwargs={"contract_id": ctx.world.contract.pk},
                data={
                    "instalments": [
                        {"due_date": "2030-01-01", "amount": str(ctx.world.contract.amount)}
                    ]
                },
            )
        ],
        bound=True,
    ),
    "GET /payments": Recipe(lambda ctx: [Call(), Call(query={"contract_id": w("contract")(ctx)})]),
    "POST /payments": Recipe(
        lambda ctx: [
            Call(data={"contract_id": ctx.world.contract.pk, "amount": "1", "method": "cash"})
        ],
        bound=True,
    ),
    "GET /payments/{payment_id}": Recipe(one(payment_id=w("payment")), bound=True),
    "POST /payments/{payment_id}/confirm": Recipe(
        lambda ctx: [Call(kwargs={"payment_id": ctx.world.payment.pk}, data={"version": None})],
        bound=True,
        manages=True,
    ),
    "POST /payments/{payment_id}/void": Recipe(
        lambda ctx: [Call(kwargs={"payment_id": ctx.world.payment.pk}, data={"reason": "HACKED"})],
        bound=True,
        manages=True,
    ),
    "GET /collections": Recipe(
        lambda ctx: [Call(), Call(query={"overdue": True, "month": "2030-01"})]
    ),
}


# The routes, found ------------------------------------------------------------------------


@dataclass(frozen=True)
class PageRoute:
    key: str  # "namespace:name", or the pattern for an unnamed route
    name: str | None
    namespace: str | None
    pattern: str
    params: tuple[str, ...]
    regex: object


def page_routes() -> list[PageRoute]:
    """Every URL pattern Django resolves, except the API operations (walked from the schema)."""
    routes: list[PageRoute] = []

    def walk(patterns, prefix: str, namespace: str | None, regexes: list):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                ns = pattern.namespace
                full_ns = f"{namespace}:{ns}" if namespace and ns else ns or namespace
                walk(
                    pattern.url_patterns,
                    prefix + str(pattern.pattern),
                    full_ns,
                    [*regexes, pattern.pattern.regex],
                )
                continue
            if pattern.callback.__module__ == "ninja.operation":
                continue
            key = f"{namespace}:{pattern.name}" if namespace else (pattern.name or "")
            if pattern.name is None:
                key = prefix + str(pattern.pattern)
            params = tuple(
                name for regex in [*regexes, pattern.pattern.regex] for name in regex.groupindex
            )
            routes.append(
                PageRoute(key, pattern.name, namespace, prefix + str(pattern.pattern), params, None)
            )

    walk(get_resolver().url_patterns, "", None, [])
    return routes


def api_operations(client: Client) -> dict[str, dict]:
    """'METHOD /path' -> the OpenAPI operation, for every operation the API declares."""
    schema = client.get("/api/v1/openapi.json").json()
    operations = {}
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            operations[f"{method.upper()} {path.removeprefix('/api/v1')}"] = operation
    return operations


def router_operations() -> set[str]:
    from guanxi.api import api

    found = set()
    for prefix, router in api._routers:
        for path, path_view in router.path_operations.items():
            for operation in path_view.operations:
                for method in operation.methods:
                    found.add(f"{method} {(prefix.rstrip('/') + path) or '/'}")
    return found


# The worlds and the personas --------------------------------------------------------------


@dataclass
class World:
    marker: str
    owner: object
    customer: Customer
    contact: Contact
    interaction: Interaction
    order: Order
    tasks: list
    collaborator_ids: list
    duplicate: Customer  # not merged yet
    merge: MergeRecord  # a merge into the customer, not undone
    token: ApiToken  # a live API token of the owner
    department: Department
    segment: Segment  # the owner's private segment (its name carries the marker)
    shared_segment: Segment  # the owner's shared segment of every customer, measured
    review_set: ReviewSet  # imported by the owner; its review names the world's customer
    case: Case  # an open complaint of the customer (its subject carries the marker)
    survey: Survey  # an open survey the customer answered (free text carries the marker)
    invitation: Invitation  # the customer's invitation to it
    draft: Survey  # a draft survey with one question
    draft_question: Question
    opportunity: Opportunity  # an open opportunity of the customer (its name carries the marker)
    objection: Objection
    question: PipelineQuestion
    next_stage: int  # the id of the stage after the opportunity's
    target: SalesTarget  # the owner's sales target (managers change it)
    quote: Quote  # a draft quote (its notes carry the marker)
    contract: Contract  # an approved contract (its title carries the marker)
    payment: Payment  # a payment the owner recorded, awaiting confirmation
    coding: dict  # the owner's private research project and what hangs off it
    lead: Lead | None = None  # the owner's lead (its name carries the marker)
    lead_form: LeadForm | None = None  # a public lead form (managers')


@dataclass
class Ctx:
    world: World
    user: object
    product: Product

    @property
    def own(self) -> Customer:
        """A customer of the caller's own (made by the worlds fixture)."""
        return Customer.objects.get(owner=self.user, name=f"{self.user.username} 自己的客户")


def score_customer(customer) -> None:
    """A current score row (as the scoring run writes it), so the score filters find it."""
    from guanxi.scoring.models import CustomerScore, ScoringRun

    run = ScoringRun.objects.create(status="succeeded", trigger="command")
    CustomerScore.objects.create(
        customer=customer,
        run=run,
        as_of=timezone.localdate(),
        model_version="test",
        rfm_segment="champions",
        loyalty_type_suggested="super_value",
        p_alive=0.5,
        clv_predicted=100,
    )


def _share(owner, customer, user, access, expires_at):
    """Share the customer; a share meant to have expired is made current (the service refuses
    an end in the past) and then expires in the database, as time would do."""
    from guanxi.customers.models import Collaborator
    from guanxi.customers.services import share_customer

    expired = expires_at is not None and expires_at <= timezone.now()
    until = timezone.now() + timedelta(days=1) if expired else expires_at
    share_customer(owner, customer, user, access=access, expires_at=until)
    if expired:
        Collaborator.objects.filter(customer=customer, user=user).update(expires_at=expires_at)


def build_world(marker, owner, manager, product, mobile, assignees, shares, department):
    from guanxi.activities.services import add_note, create_task, record_interaction
    from guanxi.customers.merging import merge_customers
    from guanxi.customers.services import create_contact, create_customer
    from guanxi.sales.services import create_order
    from guanxi.segments.services import create_segment, take_snapshot
    from guanxi.service.services import open_case

    customer = create_customer(
        owner,
        {
            "name": f"{marker} 华茂贸易",
            "kind": "organisation",
            "mobile": mobile,
            "email": f"{marker.lower()}@example.com",
            "id_number": "110101199003074514",
            "interests": marker,
        },
        tags=[f"{marker}-tag"],
    )
    contact = create_contact(owner, customer, {"name": f"{marker} 联系人"})
    interaction = record_interaction(
        owner, customer, {"channel": "phone", "direction": "inbound", "subject": f"{marker} 询价"}
    )
    add_note(owner, customer, f"{marker} 备注")
    order = create_order(owner, customer, {}, [{"product": product, "quantity": 2}])
    score_customer(customer)
    tasks = [
        create_task(
            manager,
            {"title": f"{marker} 回访", "due_at": timezone.now()},
            customer=customer,
            assignee=assignee,
        )
        for assignee in assignees
    ]
    for user, access, expires_at in shares:
        _share(owner, customer, user, access, expires_at)
    merged = create_customer(owner, {"name": f"{marker} 华茂（已合并）", "kind": "organisation"})
    merge = merge_customers(owner, customer, merged)
    duplicate = create_customer(owner, {"name": f"{marker} 华茂（重复）", "kind": "organisation"})
    for user, access, expires_at in shares:  # shared as the customer is
        _share(owner, duplicate, user, access, expires_at)
    ApiToken.issue(owner, 30)
    segment = create_segment(owner, {"name": f"{marker} 细分", "params": {"tag": f"{marker}-tag"}})
    shared_segment = create_segment(owner, {"name": f"共享细分 {owner.username}", "params": {}})
    # shared as a rep's segment could be before scope.may_share_segment: still in everyone's
    # list, still evaluated in each viewer's own scope
    Segment.objects.filter(pk=shared_segment.pk).update(shared=True)
    shared_segment.refresh_from_db()
    take_snapshot(segment, actor=owner)
    take_snapshot(shared_segment, actor=owner)
    from guanxi.dataio.readers import read_table
    from guanxi.voice.services import import_reviews

    reviews = f"评论,评分,客户编号\n门票太贵,1,{customer.pk}\n排队太久,2,\n".encode()
    review_set, _report = import_reviews(
        owner, read_table(reviews, "r.csv"), {"name": f"点评 {owner.username}"}
    )
    case = open_case(
        owner,
        customer.pk,
        {"channel": "hotline", "cause": "product_quality", "subject": f"{marker} 投诉"},
    )
    survey, invitation, draft = world_survey(marker, manager, customer)
    opportunity, objection, question, next_stage, target = world_pipeline(
        marker, owner, manager, customer
    )
    quote, contract, payment = world_contract(marker, owner, manager, customer, product)
    coding = world_coding(marker, owner)
    world = World(
        marker,
        owner,
        customer,
        contact,
        interaction,
        order,
        tasks,
        [user.pk for user, _a, _e in shares],
        duplicate,
        merge,
        ApiToken.objects.filter(user=owner).latest("created_at"),
        department,
        segment,
        shared_segment,
        review_set,
        case,
        survey,
        invitation,
        draft,
        draft.questions.get(),
        opportunity,
        objection,
        question,
        next_stage,
        target,
        quote,
        contract,
        payment,
        coding,
    )
    from guanxi.leads.services import create_lead
    from guanxi.leads.webforms import create_lead_form

    world.lead = create_lead(
        owner, {"name": f"{marker} 线索", "company": f"{marker} 公司", "mobile": "139" + mobile[3:]}
    )
    world.lead_form = create_lead_form(
        manager, {"name": "官网", "title": "联系我们", "consent_purpose": "用于联系您"}
    )
    return world


def world_pipeline(marker, owner, manager, customer):
    """An open opportunity of the customer with a SPIN note, a question, an objection and a
    negotiation plan (all texts carry the marker), and a sales target of the owner."""
    from guanxi.pipeline import services as pipeline

    opportunity = pipeline.create_opportunity(
        owner, customer.pk, {"name": f"{marker} 年度茶礼", "amount": "52000"}
    )
    pipeline.add_spin_note(owner, opportunity.pk, {"situation": f"{marker} 现状"})
    question = pipeline.add_question(
        owner, opportunity.pk, {"kind": "open", "question": f"{marker} 问题"}
    )
    objection = pipeline.log_objection(
        owner, opportunity.pk, {"kind": "price", "statement": f"{marker} 太贵"}
    )
    pipeline.save_negotiation_plan(
        owner, opportunity.pk, {"batna": f"{marker} 替代", "walk_away": "50000"}
    )
    next_stage = pipeline.active_stages().exclude(pk=opportunity.stage_id).first().pk
    target = pipeline.save_sales_target(
        manager, {"user": owner.pk, "month": "2026-12", "sales_target": "100000"}
    )
    return opportunity, objection, question, next_stage, target


def world_coding(marker, owner) -> dict:
    """The owner's private research project: an interview, a coded fragment, two categories
    with a property and a relation (texts and names carry the marker)."""
    from guanxi.coding import services as coding

    project = coding.create_project(owner, {"title": f"{marker} 研究"})
    document = coding.add_document(
        owner, project, {"title": f"{marker} 访谈", "text": f"{marker} 说回复太慢"}
    )
    fragment = coding.code_fragment(
        owner, document, {"quote": "回复太慢", "new_codes": f"{marker} 慢"}
    )
    category = coding.create_category(owner, project, {"name": f"{marker} 服务"})
    other = coding.create_category(owner, project, {"name": "流失"})
    prop = coding.add_property(owner, category, {"name": f"{marker} 速度"})
    relation = coding.add_relation(
        owner, project, {"source": category.pk, "target": other.pk, "kind": "cause"}
    )
    return {
        "project": project,
        "document": document,
        "fragment": fragment,
        "code": fragment.codes.get(),
        "category": category,
        "other": other,
        "property": prop,
        "relation": relation,
    }


def world_contract(marker, owner, manager, customer, product):
    """A draft quote, an approved contract and a payment awaiting confirmation."""
    from guanxi.contracts import collections
    from guanxi.contracts import services as contracts

    line = [{"product": product, "quantity": 2, "discount": "10"}]
    quote = contracts.create_quote(owner, customer, {"notes": f"{marker} 报价"}, line)
    accepted = contracts.create_quote(owner, customer, {}, line)
    contract = contracts.accept_quote(owner, accepted)
    contracts.update_contract(owner, contract, {"title": f"{marker} 合同"})
    contracts.change_contract_status(owner, contract, "submit")
    contracts.change_contract_status(manager, contract, "approve")
    payment = collections.record_payment(owner, contract, {"amount": "10", "method": "cash"})
    contract.refresh_from_db()
    return quote, contract, payment


def world_survey(marker, manager, customer):
    """An open survey answered by the world's customer, and a draft (titles carry no marker:
    survey definitions are every staff user's to read)."""
    from guanxi.surveys import services as surveys

    questions = [{"kind": "nps", "text": "推荐意愿"}, {"kind": "text", "text": "建议"}]
    survey = surveys.create_survey(manager, {"title": "满意度调查"}, questions)
    surveys.open_survey(manager, survey.pk)
    [(invitation, token)] = surveys.invite(manager, survey.pk, customer_ids=[customer.pk])
    nps_q, text_q = survey.questions.order_by("order")
    surveys.submit_answers(
        token, {nps_q.pk: {"value": "9"}, text_q.pk: {"text": f"{marker} 的意见"}}
    )
    draft = surveys.create_survey(manager, {"title": "草稿调查"}, questions[:1])
    return survey, invitation, draft


@pytest.fixture
def worlds(personas, teams, product):
    from guanxi.accounts.services import create_user

    expired = create_user("expired_b", "demo-pass", display_name="过期协作", department=teams["b"])
    reader = create_user("reader_b", "demo-pass", display_name="只读协作", department=teams["b"])
    writer = create_user("writer_b", "demo-pass", display_name="读写协作", department=teams["b"])
    personas.update(expired_b=expired, reader_b=reader, writer_b=writer)
    manager = personas["manager"]
    past = timezone.now() - timedelta(minutes=1)
    a = build_world(
        "SECRETA",
        personas["rep1"],
        manager,
        product,
        "13812340001",
        assignees=[personas["rep2"], expired, reader, personas["viewer"]],
        shares=[
            (expired, "write", past),
            (reader, "read", None),
            (writer, "write", timezone.now() + timedelta(days=1)),
        ],
        department=teams["a"],
    )
    b = build_world(
        "SECRETB",
        personas["rep2"],
        manager,
        product,
        "13812340002",
        assignees=[personas["rep1"], personas["viewer"]],
        shares=[],
        department=teams["b"],
    )
    for user in (personas["rep1"], personas["rep2"], personas["viewer"], expired, reader, writer):
        Customer.objects.create(
            name=f"{user.username} 自己的客户", owner=user, department=profile_of(user).department
        )
    return {"a": a, "b": b}


# (persona, world, what the persona may do there: nothing, read, or write without managing)
CASES = [
    ("rep2", "a", "nothing"),
    ("rep1", "b", "nothing"),
    ("viewer", "b", "nothing"),
    ("expired_b", "a", "nothing"),
    ("viewer", "a", "read"),
    ("reader_b", "a", "read"),
    ("writer_b", "a", "write"),  # issue 7 item 2: only the routes that manage are called
]


def snapshot(worlds) -> dict:
    """Everything a request could change in the worlds, the catalogue and the accounts."""
    ids = [
        pk
        for world in worlds.values()
        for pk in (world.customer.pk, world.duplicate.pk, world.merge.merged_id)
    ]
    of = {"customer_id__in": ids}
    segments = [
        pk for world in worlds.values() for pk in (world.segment.pk, world.shared_segment.pk)
    ]
    review_sets = [world.review_set.pk for world in worlds.values()]
    return {
        "customers": list(Customer.objects.filter(pk__in=ids).order_by("pk").values()),
        "tags": sorted(
            Customer.tags.through.objects.filter(**of).values_list("customer_id", "tag_id")
        ),
        "contacts": list(Contact.objects.filter(**of).order_by("pk").values()),
        "interactions": list(Interaction.objects.filter(**of).order_by("pk").values()),
        "notes": list(Note.objects.filter(**of).order_by("pk").values()),
        "tasks": list(Task.objects.filter(**of).order_by("pk").values()),
        "orders": list(Order.objects.filter(**of).order_by("pk").values()),
        "lines": list(OrderLine.objects.filter(order__customer_id__in=ids).values()),
        "refunds": list(Refund.objects.filter(order__customer_id__in=ids).values()),
        "collaborators": list(Collaborator.objects.filter(**of).order_by("pk").values()),
        "consents": list(Consent.objects.filter(**of).values()),
        "reveals": RevealLog.objects.filter(**of).count(),
        "audit": AuditEntry.objects.filter(customer_id__in=ids).count(),
        "products": list(Product.objects.order_by("pk").values()),
        "users": list(
            get_user_model()
            .objects.order_by("pk")
            .values("pk", "password", "is_active", "is_staff", "is_superuser")
        ),
        "profiles": list(Profile.objects.order_by("pk").values()),
        "departments": list(Department.objects.order_by("pk").values()),
        "merges": list(MergeRecord.objects.order_by("pk").values()),
        "tokens": list(ApiToken.objects.order_by("pk").values("pk", "user_id", "expires_at")),
        "segments": list(Segment.objects.filter(pk__in=segments).order_by("pk").values()),
        "segment_snapshots": SegmentSnapshot.objects.filter(segment_id__in=segments).count(),
        "memberships": list(
            SegmentMembership.objects.filter(segment_id__in=segments).order_by("pk").values()
        ),
        "analysis_settings": list(AnalysisSettings.objects.order_by("pk").values()),
        "review_sets": list(ReviewSet.objects.filter(pk__in=review_sets).order_by("pk").values()),
        "reviews": list(Review.objects.filter(review_set_id__in=review_sets).values()),
        "cases": list(Case.objects.filter(**of).order_by("pk").values()),
        "surveys": list(Survey.objects.order_by("pk").values()),
        "questions": list(Question.objects.order_by("pk").values()),
        "invitations": list(Invitation.objects.order_by("pk").values()),
        "survey_responses": list(SurveyResponse.objects.order_by("pk").values()),
        "answers": list(Answer.objects.order_by("pk").values()),
        "opportunities": list(Opportunity.objects.order_by("pk").values()),
        "opportunity_products": sorted(
            Opportunity.products.through.objects.values_list("opportunity_id", "product_id")
        ),
        "spin": list(SpinNote.objects.order_by("pk").values()),
        "pipeline_questions": list(PipelineQuestion.objects.order_by("pk").values()),
        "objections": list(Objection.objects.order_by("pk").values()),
        "plans": list(NegotiationPlan.objects.order_by("pk").values()),
        "targets": list(SalesTarget.objects.order_by("pk").values()),
        "stages": list(Stage.objects.order_by("pk").values()),
        "quotes": list(Quote.objects.filter(**of).order_by("pk").values()),
        "quote_lines": list(QuoteLine.objects.filter(quote__customer_id__in=ids).values()),
        "contracts": list(Contract.objects.filter(**of).order_by("pk").values()),
        "contract_lines": list(ContractLine.objects.filter(contract__customer_id__in=ids).values()),
        "instalments": list(
            Instalment.objects.filter(contract__customer_id__in=ids).order_by("pk").values()
        ),
        "payments": list(Payment.objects.filter(**of).order_by("pk").values()),
        "leads": list(
            Lead.objects.filter(pk__in=[w.lead.pk for w in worlds.values()]).order_by("pk").values()
        ),
        "lead_forms": list(LeadForm.objects.order_by("pk").values()),
        **coding_snapshot(worlds),
    }


def coding_snapshot(worlds) -> dict:
    from guanxi.coding import models as coding

    projects = [world.coding["project"].pk for world in worlds.values()]
    of = {"project_id__in": projects}
    return {
        "coding_projects": list(
            coding.CodingProject.objects.filter(pk__in=projects).order_by("pk").values()
        ),
        "coding_documents": list(
            coding.SourceDocument.objects.filter(**of).order_by("pk").values()
        ),
        "coding_fragments": sorted(
            (f.pk, f.start, f.end, f.quote, tuple(sorted(c.pk for c in f.codes.all())))
            for f in coding.CodedFragment.objects.filter(document__project_id__in=projects)
        ),
        "coding_codes": list(coding.OpenCode.objects.filter(**of).order_by("pk").values()),
        "coding_categories": list(
            coding.AxialCategory.objects.filter(**of).order_by("pk").values()
        ),
        "coding_properties": list(
            coding.CategoryProperty.objects.filter(category__project_id__in=projects)
            .order_by("pk")
            .values()
        ),
        "coding_relations": list(
            coding.CategoryRelation.objects.filter(**of).order_by("pk").values()
        ),
    }


def body_of(response) -> str:
    raw = b"".join(response.streaming_content) if response.streaming else response.content
    return raw.decode("utf-8", errors="replace")


def page_url(route: PageRoute, call: Call) -> str:
    """The URL of a route with the call's parameters; unnamed routes cannot be reversed, so
    their pattern is filled in ("<int:pk>" and "(?P<pk>...)" alike)."""
    if route.name is not None:
        return reverse(route.key, kwargs=call.kwargs or None)
    path = route.pattern
    for name, value in call.kwargs.items():
        path = re.sub(rf"<(\w+:)?{name}>|\(\?P<{name}>[^)]*\)", str(value), path)
    path = "/" + path.replace("^", "").replace("$", "")
    assert "<" not in path and "(" not in path, f"unfilled parameter in {route.pattern}"
    return path


class PageSession:
    """A browser-like session: logged in, CSRF enforced, the token sent as the pages do."""

    def __init__(self, user, ctx=None):
        self.user, self.ctx = user, ctx
        self.client = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="en")
        self.login()

    def login(self):
        self.client.force_login(self.user)
        self.client.get("/customers/")
        self.token = self.client.cookies["csrftoken"].value

    def request(self, method: str, url: str, query: dict, data: dict, htmx: bool):
        headers = {"X-CSRFToken": self.token}
        if htmx:
            headers["HX-Request"] = "true"
        if method == "get":
            response = self.client.get(url, query, headers=headers)
        else:
            # a fresh value each time for callables (an upload is read once)
            form = {**PAGE_POST, **{k: v(self.ctx) if callable(v) else v for k, v in data.items()}}
            target = url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")
            response = self.client.post(target, form, headers=headers)
        if "_auth_user_id" not in self.client.session:  # logout routes log out: log in again
            self.login()
        return response


def check_page(failures, route, method, htmx, response, text, world, access, recipe):
    label = f"{method.upper()}{' htmx' if htmx else ''} {route.key} {response.request['PATH_INFO']}"
    status, may_read = response.status_code, access != "nothing"
    if status >= 500:
        failures.append(f"{label}: {status}")
    if not may_read and world.marker in text:
        failures.append(f"{label}: shows {world.marker}")
    if world.token.key_prefix in text:
        failures.append(f"{label}: shows the owner's API token")
    if recipe.personal and status not in (404, 405):
        failures.append(f"{label}: {status}, expected 404 for another user's own things")
    elif recipe.team and status not in (403, 405):
        failures.append(f"{label}: {status}, expected 403 for a user who is no manager")
    elif route.namespace == ADMIN_NAMESPACE and route.name not in ("login", "logout"):
        if not (status in (404, 405) or response.get("Location", "").startswith("/admin/login")):
            failures.append(f"{label}: admin answered {status} to a non-staff user")
    elif recipe.bound and not may_read and status not in (404, 405):
        failures.append(f"{label}: {status}, expected 404 outside the scope")
    elif recipe.bound and access == "read" and recipe.writes and status not in (403, 405):
        failures.append(f"{label}: {status}, expected 403 for a user who may only read")
    elif recipe.manages and access == "write" and status not in (403, 405):
        failures.append(f"{label}: {status}, expected 403 for a collaborator")


def check_api(failures, key, response, world, access, recipe):
    label = f"{key} {response.request['PATH_INFO']}"
    status, text = response.status_code, body_of(response)
    may_read = access != "nothing"
    if status >= 500:
        failures.append(f"{label}: {status}")
    if not may_read and world.marker in text:
        failures.append(f"{label}: shows {world.marker}")
    if "110101199003074514" in text:
        failures.append(f"{label}: reveals the ID number")
    if world.token.key_prefix in text:
        failures.append(f"{label}: shows the owner's API token")
    method = key.split()[0]
    if recipe.personal and status != 404:
        failures.append(f"{label}: {status}, expected 404 for another user's own things")
    elif recipe.team and status != 403:
        failures.append(f"{label}: {status}, expected 403 for a user who is no manager")
    elif recipe.bound and not may_read and status != 404:
        failures.append(f"{label}: {status}, expected 404 outside the scope")
    elif recipe.bound and access == "read" and method != "GET" and status != 403:
        failures.append(f"{label}: {status}, expected 403 for a user who may only read")
    elif recipe.manages and access == "write" and status != 403:
        failures.append(f"{label}: {status}, expected 403 for a collaborator")
    refused = recipe.bound or recipe.personal or recipe.team
    if refused and status in (403, 404) and not response.json().get("detail"):
        failures.append(f"{label}: {status} without a JSON detail")


# The tests --------------------------------------------------------------------------------


def test_every_route_and_operation_has_a_recipe(db):
    routes = page_routes()
    missing = [
        f"new route {r.key!r} ({r.pattern}): add it to tests/test_every_route.py"
        for r in routes
        if r.key not in PAGE_RECIPES and r.namespace != ADMIN_NAMESPACE
    ]
    operations = api_operations(Client())
    missing += [
        f"new API operation {key!r}: add it to API_RECIPES in tests/test_every_route.py"
        for key in operations
        if key not in API_RECIPES
    ]
    keys = {r.key for r in routes}
    stale = [k for k in PAGE_RECIPES if k not in keys]
    stale += [k for k in API_RECIPES if k not in operations]
    assert not missing, "\n".join(missing)
    assert not stale, f"recipes for routes that are gone: {stale}"
    hidden = router_operations() - {f"{k.split()[0]} {k.split()[1]}" for k in operations}
    assert not hidden, f"API operations missing from the OpenAPI schema: {hidden}"


def admin_calls(route: PageRoute, ctx) -> list[Call]:
    return [Call(kwargs={name: ADMIN_FILL[name](ctx) for name in route.params})]


@pytest.mark.parametrize(("persona", "world_name", "access"), CASES)
def test_pages_neither_show_nor_change_records_outside_the_scope(
    worlds, personas, product, persona, world_name, access
):
    # given
    user, world = personas[persona], worlds[world_name]
    ctx = Ctx(world, user, product)
    session = PageSession(user, ctx)
    before = snapshot(worlds)
    failures: list[str] = []
    calls = 0

    # when every page route is called with GET, POST and htmx POST
    for route in page_routes():
        if route.namespace == ADMIN_NAMESPACE:
            recipe = Recipe(lambda ctx, route=route: admin_calls(route, ctx))
        else:
            recipe = PAGE_RECIPES[route.key]
        if access == "write" and not recipe.for_write_collaborator:
            continue  # a write collaborator may change the record; managing it is the question
        for call in recipe.calls(ctx):
            url = page_url(route, call)
            for method, htmx in (("get", False), ("post", False), ("post", True)):
                response = session.request(method, url, call.query, call.data, htmx)
                calls += 1
                text = body_of(response)
                check_page(failures, route, method, htmx, response, text, world, access, recipe)

    # then (the caller may have made tokens for themselves: accounts:token_create)
    assert not failures, "\n".join(failures)
    after = snapshot(worlds)
    newest = max((t["pk"] for t in before["tokens"]), default=0)
    after["tokens"] = [t for t in after["tokens"] if t["pk"] <= newest or t["user_id"] != user.pk]
    assert after == before
    assert calls >= (3 if access == "write" else 100)


def api_client(user):
    client = Client()
    headers = {"Authorization": f"Bearer {ApiToken.issue(user, 1)}", "Accept-Language": "en"}

    def call(method: str, path: str, query: dict, data):
        if method == "GET":
            return client.get(path, query, headers=headers)
        kwargs = {"headers": headers}
        if data:
            kwargs.update(data=data, content_type="application/json")
        return getattr(client, method.lower())(path, **kwargs)

    return call


@pytest.mark.parametrize(("persona", "world_name", "access"), CASES)
def test_api_neither_shows_nor_changes_records_outside_the_scope(
    worlds, personas, product, persona, world_name, access
):
    # given
    user, world = personas[persona], worlds[world_name]
    ctx = Ctx(world, user, product)
    api = api_client(user)
    before = snapshot(worlds)
    failures: list[str] = []

    # when every declared operation is called with its method
    for key in api_operations(Client()):
        method, template = key.split(" ", 1)
        recipe = API_RECIPES[key]
        if access == "write" and not recipe.for_write_collaborator:
            continue
        for call in recipe.calls(ctx):
            path = "/api/v1" + template.format(**call.kwargs)
            response = api(method, path, call.query, call.data)
            check_api(failures, key, response, world, access, recipe)

    # then
    assert not failures, "\n".join(failures)
    assert snapshot(worlds) == before


def test_the_probe_sees_what_the_owner_may_see(worlds, personas, product):
    """A control: the same calls by the owner do show the marker, so silence above means
    refusal, not a recipe that misses."""
    owner = personas["rep1"]
    session = PageSession(owner)
    world = worlds["a"]
    detail = session.request("get", f"/customers/{world.customer.pk}/", {}, {}, False)
    assert world.marker in body_of(detail)
    tasks = body_of(session.request("get", "/tasks/", {}, {}, False))
    assert "SECRETA" not in tasks  # rep1's tasks are on world B, which rep1 cannot see
    api = api_client(owner)
    assert world.marker in body_of(api("GET", f"/api/v1/customers/{world.customer.pk}", {}, None))
    scored = {"rfm_segment": "champions", "sort": "-clv_predicted"}
    assert world.marker in body_of(api("GET", "/api/v1/customers", scored, None))
    assert world.marker in body_of(session.request("get", "/customers/", scored, {}, False))
    tags = api("GET", "/api/v1/tags", {}, None).json()
    assert tags == {"count": 1, "items": [{"name": "SECRETA-tag"}]}
    # the merge, token and team recipes name real records
    merges = api("GET", f"/api/v1/customers/{world.customer.pk}/merges", {}, None).json()
    assert [m["id"] for m in merges] == [world.merge.pk]
    assert world.token.user_id == owner.pk
    boss = api_client(personas["manager"])
    assert boss("GET", f"/api/v1/users/{world.owner.pk}", {}, None).status_code == 200
    renamed = boss("PATCH", f"/api/v1/departments/{world.department.pk}", {}, {"name": "华东"})
    assert renamed.status_code == 200
    team_page = PageSession(personas["manager"]).request(
        "get", f"/team/users/{world.owner.pk}/", {}, {}, False
    )
    assert team_page.status_code == 200
    # the import probes work when the scope allows them
    ctx = Ctx(world, owner, product)
    session.ctx = ctx
    orders = {"kind": "orders", "skip_invalid": "on", "file": orders_file}
    assert session.request("post", "/data/import/", {}, orders, False).status_code == 200
    assert Order.objects.filter(customer=world.customer, number="HACK-1").exists()
    merge = {"kind": "customers", "on_duplicate": "merge", "file": import_file}
    assert session.request("post", "/data/import/", {}, merge, False).status_code == 200
    assert Customer.objects.get(pk=world.customer.pk).name == "HACKED"


def test_own_account_routes_reach_only_the_callers_own_tokens_and_password(worlds, personas):
    """A control for the "self" recipes: the same routes do work on the caller's own tokens and
    password, so the 404s and unchanged passwords above are refusals, not recipes that miss."""
    # given rep2 (team B) and the owner of world A (rep1) with a live token each
    rep1, rep2 = personas["rep1"], personas["rep2"]
    theirs = worlds["a"].token
    api = api_client(rep2)
    mine = ApiToken.objects.filter(user=rep2).latest("created_at")
    own_ids = set(ApiToken.objects.filter(user=rep2).values_list("pk", flat=True))
    session = PageSession(rep2)
    rep1_password = get_user_model().objects.get(pk=rep1.pk).password

    # when rep2 looks at their account, revokes tokens and changes their password
    account = body_of(session.request("get", "/account/", {}, {}, False))
    revoke_theirs = api("DELETE", f"/api/v1/auth/tokens/{theirs.pk}", {}, None)
    page_revoke_theirs = session.request(
        "post", f"/account/tokens/{theirs.pk}/revoke/", {}, {}, False
    )
    listed = api("GET", "/api/v1/auth/tokens", {}, None).json()
    changed = session.request(
        "post",
        "/account/password/",
        {},
        {
            "user": rep1.pk,
            "username": rep1.username,
            "old_password": "demo-pass",
            "new_password1": "Another-pass-2024!",
            "new_password2": "Another-pass-2024!",
        },
        False,
    )
    # naming another user is refused outright (a body takes only its own fields) ...
    aimed = api_client(rep2)(
        "POST",
        "/api/v1/auth/password",
        {},
        {
            "old_password": "Another-pass-2024!",
            "new_password": "Third-pass-2024!",
            "user_id": rep1.pk,
        },
    )
    assert aimed.status_code == 422
    # ... and without it the change reaches only the caller
    by_api = api_client(rep2)(
        "POST",
        "/api/v1/auth/password",
        {},
        {"old_password": "Another-pass-2024!", "new_password": "Third-pass-2024!"},
    )

    # then only rep2's own things were reached
    assert mine.key_prefix in account and theirs.key_prefix not in account
    assert revoke_theirs.status_code == 404 and page_revoke_theirs.status_code == 404
    assert mine.pk in own_ids and {t["id"] for t in listed} == own_ids
    assert changed.status_code == 302
    assert by_api.status_code == 200
    assert ApiToken.objects.filter(pk=theirs.pk).exists()
    assert not ApiToken.objects.filter(pk=mine.pk).exists()  # a password change revokes them
    assert get_user_model().objects.get(pk=rep1.pk).password == rep1_password
    assert get_user_model().objects.get(pk=rep2.pk).check_password("Third-pass-2024!")


@pytest.mark.parametrize(("persona", "world_name", "access"), CASES)
def test_shared_segments_show_each_viewer_only_their_scope(
    worlds, personas, product, persona, world_name, access
):
    """A shared segment of every customer, measured (so its history names the world's
    customer): every persona may open it, see its members, history and export, and find only
    customers of their own scope; none of them may change it (only its creator or a manager)."""
    # given
    user, world = personas[persona], worlds[world_name]
    segment = world.shared_segment
    session = PageSession(user)
    api = api_client(user)
    before = snapshot(worlds)

    # when
    reads = [
        session.request("get", f"/segments/{segment.pk}/", {}, {}, False),
        session.request("get", f"/segments/{segment.pk}/", {"days": "365"}, {}, False),
        session.request("get", f"/segments/{segment.pk}/export.csv", {}, {}, False),
        session.request("get", "/segments/", {}, {}, False),
        api("GET", f"/api/v1/segments/{segment.pk}/customers", {"limit": 100}, None),
        api("GET", f"/api/v1/segments/{segment.pk}", {}, None),
    ]
    writes = [
        session.request("get", f"/segments/{segment.pk}/edit/", {}, {}, False),
        session.request("post", f"/segments/{segment.pk}/edit/", {}, {"query": ""}, False),
        session.request("post", f"/segments/{segment.pk}/snapshot/", {}, {}, False),
        session.request("post", f"/segments/{segment.pk}/delete/", {}, {}, False),
        api("PATCH", f"/api/v1/segments/{segment.pk}", {}, {"name": "HACKED"}),
        api("DELETE", f"/api/v1/segments/{segment.pk}", {}, None),
    ]

    # then
    assert [r.status_code for r in reads] == [200] * len(reads)
    texts = [body_of(r) for r in reads]
    if access == "nothing":
        assert not [t for t in texts if world.marker in t]
    else:  # a collaborator or a reader of the world sees its customer among the members
        assert world.marker in texts[0]
    assert [r.status_code for r in writes] == [403] * len(writes)
    assert snapshot(worlds) == before
