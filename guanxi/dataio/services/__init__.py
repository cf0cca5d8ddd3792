"""Importing customers and orders: all or nothing, scoped, reported per row.

One shared base (services.base: the report, reading a cell, the acting user) and one module
per kind (services.customers, services.orders). The whole file is checked first, through the
same domain services a page and the API use, holding no write transaction; then it is written
in one short transaction:
- by default a single bad row writes nothing: nothing is half-imported;
- with skip_invalid, the good rows are written and every bad row reported, also a row the
  database refuses when written.
"""

from .base import ImportResult, RowError, RowInvalid, acting_user, busy_message, is_busy
from .customers import CUSTOM_PREFIX, DUPLICATE_MODES, import_customers
from .orders import import_orders

__all__ = [
    "busy_message",
    "is_busy",
    "CUSTOM_PREFIX",
    "DUPLICATE_MODES",
    "ImportResult",
    "RowError",
    "RowInvalid",
    "acting_user",
    "import_customers",
    "import_orders",
]
