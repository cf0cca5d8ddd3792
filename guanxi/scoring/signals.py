"""Signals of the scoring runs.

``scoring_finished`` is sent once a run has succeeded and its scores are committed (from
``services._run``, outside its transaction), with ``run`` (the ScoringRun). Receivers above the
scoring app (the dashboards, the home page) precompute what the new scores change, so the first
visitor after a run finds it ready; they must be quick (enqueue a task) and must not fail the
run (sent with send_robust).
"""

from django.dispatch import Signal

scoring_finished = Signal()


def follow_lost_reason(sender, customer, **kwargs):
    """A customer marked lost or won back: their stored recovery priority and action follow
    the new lost reason at once, by the scoring run's own rule (analytics.rules.recovery_of),
    instead of waiting for the next run."""
    from guanxi.analytics.rules import recovery_of

    from .models import CustomerScore

    score = CustomerScore.objects.filter(customer_id=customer.pk).first()
    if score is None:
        return
    priority, action = recovery_of(score.abc_tier, score.churn_risk, customer.lost_reason)
    if (priority, action) != (score.recovery_priority, score.recovery_action):
        CustomerScore.objects.filter(pk=score.pk).update(
            recovery_priority=priority, recovery_action=action
        )
