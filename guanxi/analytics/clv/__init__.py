"""Customer lifetime value and retention models (framework-free: no Django).

- :mod:`.summary`: per-customer (x, t_x, T, spend) summary through Ibis (DuckDB, PostgreSQL,
  Spark);
- :mod:`.bgnbd`, :mod:`.paretonbd`: purchase-count models; :mod:`.gammagamma`: spend;
- :mod:`.sbg`: contractual retention; :mod:`.dwyer`: profit discounting by group;
  :mod:`.event`: the event method;
- :func:`fit_clv`: summarise, fit and score a transaction log in one call (the nightly job);
- :mod:`.commands`: `guanxi analyze clv` and `guanxi analyze sbg`.
"""

from guanxi.analytics.clv.errors import CLVFitError, CLVInputError
from guanxi.analytics.clv.pipeline import CLVResult, fit_clv, score_customers
from guanxi.analytics.clv.summary import customer_summary

__all__ = [
    "CLVFitError",
    "CLVInputError",
    "CLVResult",
    "customer_summary",
    "fit_clv",
    "score_customers",
]
