"""Scores on every customer: the analytics engine run over the app's own orders.

A scoring run (`ScoringRun`) reads the orders through :mod:`guanxi.analytics` (pushed down into
PostgreSQL, or DuckDB over the SQLite file), computes every analysis and swaps the customers'
current scores (`CustomerScore`, one row per customer) in one transaction. The dashboards,
segments and the 360 page read these rows; none of them runs the engine per request.
"""
