"""The demo company's sales pipeline: about 150 opportunities of the reps' customers spread over
the 5As stages (and some won or lost), with stage histories, objections, SPIN notes, questions,
a few negotiation plans (one offer below its walk-away value), and sales targets for this month
and the next. Written through the ORM in bulk (small), deterministic for a seed and day."""

from datetime import date, datetime, time, timedelta
from decimal import Decimal

import numpy as np
from django.contrib.auth import get_user_model
from django.utils import timezone

from guanxi.accounts.models import Department
from guanxi.customers.models import Contact, Customer
from guanxi.pipeline.models import (
    AskedQuestion,
    NegotiationPlan,
    Objection,
    Opportunity,
    SalesTarget,
    SpinNote,
    Stage,
    StageVisit,
    Status,
)
from guanxi.sales.models import Product

OPPORTUNITIES = 150
NAMES = [
    "年度茶礼采购",
    "会议室用茶",
    "中秋礼盒团购",
    "员工福利茶",
    "门店陈列合作",
    "春茶预订",
    "客户答谢礼品",
]
OBJECTIONS = {
    "need": "我们已经有固定的供应商了。",
    "financial": "今年预算比较紧。",
    "authority": "这个要等老板拍板。",
    "price": "比别家贵了一成。",
    "product": "担心批次之间口味不一致。",
    "salesperson": "上次的业务员答应的事没兑现。",
}
RESPONSES = {
    "need": "对比现用茶叶的待客效果，提出试用装。",
    "financial": "建议分两批采购，先付一半。",
    "authority": "约老板一起品鉴，准备一页纸方案。",
    "price": "用每杯成本和客户口碑说明价值。",
    "product": "提供同批次留样和检测报告。",
    "salesperson": "换由主管跟进，并书面确认承诺。",
}
SPIN = (
    "现在用散装绿茶招待客户，每月约 20 斤。",
    "客户反映茶味不稳定，接待档次不够。",
    "重要客户来访时显得不够重视，影响签约氛围。",
    "如果接待用茶统一成品牌礼盒，客户的印象会提升多少？",
)
QUESTIONS = [
    ("open", "您现在是怎么挑选待客用茶的？", "行政统一采购，看价格。"),
    ("closed", "这个月底前能定下来吗？", "可以，月底开会定。"),
    ("clarifying", "您刚才说的“档次”，主要是指包装还是口感？", "两个都有，包装更重要。"),
]
# The share of opportunities per stage key, then won and lost.
SPREAD = [
    ("opening", 0.2),
    ("needs", 0.18),
    ("fab", 0.16),
    ("objections", 0.13),
    ("closing", 0.1),
    ("won", 0.15),
    ("lost", 0.08),
]
LOST = ["price", "competitor", "no_budget", "no_decision", "timing"]


def _at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour, 0), tzinfo=timezone.get_current_timezone())


def seed_pipeline(seed: int, today: date, manager_id: int) -> int:
    """Write the pipeline unless one is there; the number of opportunities written."""
    if Opportunity.objects.exists():
        return 0
    stages = {s.key: s for s in Stage.objects.filter(active=True).exclude(key="")}
    order = [key for key, _share in SPREAD if key in stages]
    if len(order) < 5:
        return 0
    rng = np.random.default_rng([seed, 5])
    customers = list(
        Customer.objects.filter(owner__isnull=False, erased_at__isnull=True)
        .order_by("-kind", "id")
        .values_list("pk", "owner_id", "kind")[:OPPORTUNITIES]
    )
    contacts = {}
    for pk, customer_id in Contact.objects.filter(
        customer_id__in=[c[0] for c in customers]
    ).values_list("pk", "customer_id"):
        contacts.setdefault(customer_id, pk)
    products = list(Product.objects.filter(active=True).order_by("id").values_list("pk", flat=True))
    outcome = rng.choice(len(SPREAD), size=len(customers), p=[s for _k, s in SPREAD])
    made, plans, visits, objections, notes, questions = [], [], [], [], [], []
    for i, (customer_id, owner_id, _kind) in enumerate(customers):
        key = SPREAD[outcome[i]][0]
        opened = today - timedelta(days=int(rng.integers(8, 120)))
        amount = Decimal(int(rng.integers(10, 400)) * 500)
        close = today + timedelta(days=int(rng.integers(-5, 110)))
        reached = order.index(key) if key in order else int(rng.integers(1, 5))
        stage = stages[order[reached]]
        status = Status.OPEN
        won_at = lost_at = None
        if key == "won":
            status, stage = Status.WON, stages["closing"]
            reached = order.index("closing")
            won_at = _at(opened + timedelta(days=int(rng.integers(7, 60))))
            won_at = min(won_at, _at(today, 9))
        elif key == "lost":
            status = Status.LOST
            lost_at = _at(min(opened + timedelta(days=int(rng.integers(5, 40))), today), 9)
        probability = {Status.WON: 100, Status.LOST: 0}.get(status, stage.probability)
        made.append(
            Opportunity(
                customer_id=customer_id,
                owner_id=owner_id,
                contact_id=contacts.get(customer_id),
                name=NAMES[i % len(NAMES)],
                amount=amount,
                expected_close=close,
                stage=stage,
                probability=probability,
                status=status,
                lost_reason=LOST[i % len(LOST)] if status == Status.LOST else "",
                won_at=won_at,
                lost_at=lost_at,
                meeting_time="30 分钟" if i % 4 == 0 else "",
                meeting_agenda="了解接待用茶现状；介绍礼盒；约定下一步" if i % 4 == 0 else "",
                meeting_purpose="判断是否值得做方案" if i % 4 == 0 else "",
                created_at=_at(opened),
            )
        )
        made[-1].reached = reached
    Opportunity.objects.bulk_create(made)
    for i, opportunity in enumerate(made):
        step = max(1, (today - opportunity.created_at.date()).days // (opportunity.reached + 2))
        for s in range(opportunity.reached + 1):
            entered = _at(opportunity.created_at.date() + timedelta(days=s * step))
            left = None
            if s < opportunity.reached:
                left = _at(opportunity.created_at.date() + timedelta(days=(s + 1) * step))
            elif opportunity.status != Status.OPEN:
                left = opportunity.won_at or opportunity.lost_at
            visits.append(
                StageVisit(
                    opportunity=opportunity,
                    stage=stages[order[s]],
                    entered_at=entered,
                    left_at=left,
                )
            )
        if opportunity.reached >= 1 and i % 5 < 2:
            kinds = list(OBJECTIONS)
            kind = kinds[int(rng.integers(0, len(kinds)))]
            resolved = opportunity.status == Status.WON or i % 3 == 0
            objections.append(
                Objection(
                    opportunity=opportunity,
                    stage=stages[order[min(opportunity.reached, 3)]],
                    kind=kind,
                    statement=OBJECTIONS[kind],
                    response=RESPONSES[kind] if resolved else "",
                    outcome="resolved"
                    if resolved
                    else ("lost_deal" if opportunity.status == Status.LOST else "open"),
                    author_id=opportunity.owner_id,
                    created_at=opportunity.created_at + timedelta(days=2),
                )
            )
        if opportunity.reached >= 1 and i % 3 == 0:
            notes.append(
                SpinNote(
                    opportunity=opportunity,
                    situation=SPIN[0],
                    problem=SPIN[1],
                    implication=SPIN[2],
                    need_payoff=SPIN[3],
                    author_id=opportunity.owner_id,
                )
            )
            for kind, text, answer in QUESTIONS:
                questions.append(
                    AskedQuestion(
                        opportunity=opportunity,
                        kind=kind,
                        question=text,
                        answer=answer,
                        author_id=opportunity.owner_id,
                    )
                )
        if opportunity.status == Status.OPEN and opportunity.reached >= 3 and len(plans) < 12:
            below = len(plans) == 0  # the first plan shows the BATNA warning
            walk = opportunity.amount * (Decimal("1.1") if below else Decimal("0.8"))
            plans.append(
                NegotiationPlan(
                    opportunity=opportunity,
                    interests="客户：体面接待、控制预算；我方：年度框架合同。",
                    criteria="参照同类礼盒市场价和去年采购价。",
                    options="分批交付；加赠定制茶罐；签两年价格锁定。",
                    batna="把这批礼盒供给另一家正在询价的酒店。",
                    walk_away=walk.quantize(Decimal("0.01")),
                )
            )
    StageVisit.objects.bulk_create(visits)
    Objection.objects.bulk_create(objections)
    SpinNote.objects.bulk_create(notes)
    AskedQuestion.objects.bulk_create(questions)
    NegotiationPlan.objects.bulk_create(plans)
    chosen = [p for p in products[:3]]
    through = Opportunity.products.through
    through.objects.bulk_create(
        [
            through(opportunity_id=o.pk, product_id=chosen[i % len(chosen)])
            for i, o in enumerate(made)
            if chosen and o.reached >= 2
        ]
    )
    seed_targets(today, {o.owner_id for o in made if o.owner_id})
    return len(made)


def seed_targets(today: date, rep_ids) -> None:
    """This month's and next month's targets for every rep who owns an opportunity, and for
    their departments (the sum of the reps')."""
    this = today.replace(day=1)
    following = (this + timedelta(days=32)).replace(day=1)
    users = get_user_model().objects.filter(pk__in=rep_ids).select_related("profile")
    by_department: dict = {}
    for n, user in enumerate(sorted(users, key=lambda u: u.pk)):
        for month, factor in ((this, 1), (following, Decimal("1.1"))):
            sales = Decimal(300000 + 50000 * (n % 4)) * factor
            collection = (sales * Decimal("0.8")).quantize(Decimal("0.01"))
            SalesTarget.objects.update_or_create(
                user=user,
                month=month,
                defaults={"sales_target": sales, "collection_target": collection},
            )
            key = (user.profile.department_id, month)
            total = by_department.setdefault(key, [Decimal(0), Decimal(0)])
            total[0] += sales
            total[1] += collection
    for (department_id, month), (sales, collection) in by_department.items():
        if department_id and Department.objects.filter(pk=department_id).exists():
            SalesTarget.objects.update_or_create(
                department_id=department_id,
                month=month,
                defaults={"sales_target": sales, "collection_target": collection},
            )
