"""Guanxi's analytical CRM engine: framework-free (no Django), tables in, tables out.

Every function takes an Ibis table and column names and returns an Ibis table, so the same
code runs on DuckDB (the embedded default), PostgreSQL and Spark. Read a file with
:func:`read_transactions`; materialise a result with ``.to_pyarrow()`` (or
:func:`guanxi.analytics.common.materialize`).

Modules: ``io`` (reading and validation), ``base`` (the order log aggregated once per
customer, shared by RFM, ABC and cohorts), ``combined`` (all three at once: ``tables``), ``rfm`` and ``segments``, ``abc`` (ABC and the
customer pyramid), ``cohorts``, ``lifecycle``, ``loyalty``, ``churn``, ``clv`` (the CLV
models), ``cli`` (``guanxi analyze``). Survey answers are pandas frames instead: ``surveys``
(reading answer files, bilingual messages), ``kano`` (the KANO classification) and
``satisfaction`` (NPS, the expected / perceived gap).
"""

from guanxi.analytics.abc import abc, pyramid
from guanxi.analytics.base import CustomerBase, customer_base
from guanxi.analytics.churn import churn_risk, recovery_priority
from guanxi.analytics.cohorts import churn_by_period, cohorts, retention_matrix
from guanxi.analytics.combined import tables
from guanxi.analytics.io import AnalyticsInputError, connect, read_transactions
from guanxi.analytics.kano import kano
from guanxi.analytics.lifecycle import lifecycle
from guanxi.analytics.loyalty import loyalty
from guanxi.analytics.rfm import rfm
from guanxi.analytics.satisfaction import nps, nps_by, satisfaction_gap
from guanxi.analytics.segments import SEGMENTS, with_segment_labels

__all__ = [
    "SEGMENTS",
    "AnalyticsInputError",
    "CustomerBase",
    "abc",
    "churn_by_period",
    "churn_risk",
    "cohorts",
    "connect",
    "customer_base",
    "kano",
    "lifecycle",
    "loyalty",
    "nps",
    "nps_by",
    "pyramid",
    "read_transactions",
    "recovery_priority",
    "retention_matrix",
    "rfm",
    "satisfaction_gap",
    "tables",
    "with_segment_labels",
]
