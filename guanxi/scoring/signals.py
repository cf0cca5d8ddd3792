"""Signals of the scoring runs.

``scoring_finished`` is sent once a run has succeeded and its scores are committed (from
``services._run``, outside its transaction), with ``run`` (the ScoringRun). Receivers above the
scoring app (the dashboards, the home page) precompute what the new scores change, so the first
visitor after a run finds it ready; they must be quick (enqueue a task) and must not fail the
run (sent with send_robust).
"""

from django.dispatch import Signal

scoring_finished = Signal()
