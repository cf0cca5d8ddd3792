"""Implicit dissatisfaction (隐性不满, DOMAIN.md §5): about 70% of dissatisfied customers never
complain; they buy less and leave. So the product flags it from behaviour, not from complaints:
a good customer whose purchases are dropping and who has not complained lately.

- good: the scoring run rates the customer "good" (优质客户: the quality criteria of §3) or puts
  it in ABC class A (the customers that make most of the revenue);
- purchases dropping: its lifecycle stage is decline (衰退期: no order for longer than the
  analysis settings allow), or its churn warning is medium or high (P(alive) falling);
- no complaint: no case opened for it in the last QUIET_DAYS days;
- neither marked lost (already handled) nor merged away.
The scores come from the latest scoring run; a customer never scored is not flagged.
"""

from datetime import datetime, timedelta

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from guanxi.accounts.scope import visible_customers

from .models import Case

QUIET_DAYS = 180


def implicit_candidates(user, *, now: datetime | None = None) -> QuerySet:
    """The customers in `user`'s scope with suspected implicit dissatisfaction, the most
    valuable first."""
    since = (now or timezone.now()) - timedelta(days=QUIET_DAYS)
    complained = Case.objects.filter(customer=OuterRef("pk"), opened_at__gte=since)
    return (
        visible_customers(user)
        .filter(merged_into__isnull=True, lost_at__isnull=True, score__isnull=False)
        .filter(Q(score__quality="good") | Q(score__abc_tier="A"))
        .filter(Q(score__lifecycle_stage="decline") | Q(score__churn_risk__in=["medium", "high"]))
        .exclude(Exists(complained))
        .select_related("score", "owner__profile")
        .order_by("-score__monetary", "pk")
    )
