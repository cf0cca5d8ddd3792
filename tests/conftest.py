"""Shared fixtures: personas built through the same services users go through.

- manager: sees all, may reveal sensitive data;
- rep1 (team A) and rep2 (team B): each sees only their own customers;
- lead_a: team A's leader, sees self and subordinates (rep1 reports to lead_a);
- viewer: read-only member of team A with department scope.
"""

import os

import pytest

os.environ.setdefault(
    "GUANXI_DATA_DIR", os.path.join(os.path.dirname(__file__), "..", "var", "test")
)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """In CI (the CI variable set) a skipped test is a failed test: a test that silently skips
    is a test that is not there. Locally a skip says what is missing (a browser, a database)."""
    outcome = yield
    report = outcome.get_result()
    if os.environ.get("CI") and report.skipped and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.outcome = "failed"
        report.longrepr = f"skipped in CI, which counts as a failure: {reason}"


@pytest.fixture(autouse=True)
def fast_password_hasher(settings):
    # PBKDF2 costs ~0.3 s per persona; the hasher is not what these tests are about.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def fresh_cache():
    """Rate-limit counters (e.g. 查重 checks a minute) start at zero in every test. Only the
    cache on disk in the tests' own data directory: clear() on Redis (REDIS_URL set) would
    flush the shared database."""
    from django.core.cache import caches
    from django.core.cache.backends.filebased import FileBasedCache
    from django.core.cache.backends.locmem import LocMemCache

    from guanxi.customers import queries

    if isinstance(caches["default"], FileBasedCache | LocMemCache):
        caches["default"].clear()
    queries._ESTIMATES.clear()  # the planner's estimates kept per process (_planner_rows)


class _PinnedClock:
    """The time module, but time() stays early in one minute (services_common's rate window)."""

    def __init__(self, module, pinned: float):
        self._module, self._pinned = module, pinned

    def __getattr__(self, name):
        return getattr(self._module, name)

    def time(self) -> float:
        return self._pinned


@pytest.fixture(autouse=True)
def one_rate_window(monkeypatch):
    """A test's requests count in one rate-limit minute. The limits count per calendar minute
    (services_common.rate_limit): on a slow machine a test once straddled two minutes, so the
    request past a limit of one was let through (CI, test_a_lead_created_past_the_limit...)."""
    import time

    from guanxi import services_common

    now = time.time()
    monkeypatch.setattr(services_common, "time", _PinnedClock(time, now - now % 60 + 1))


@pytest.fixture
def teams(db):
    from guanxi.accounts.services import create_department

    root = create_department("总部")
    return {
        "root": root,
        "a": create_department("华东销售组", parent=root),
        "b": create_department("华南销售组", parent=root),
    }


@pytest.fixture
def personas(teams):
    from guanxi.accounts.models import DataScope, Role
    from guanxi.accounts.services import create_user

    manager = create_user(
        "manager",
        "demo-pass",
        display_name="王经理",
        role=Role.MANAGER,
        data_scope=DataScope.ALL,
        can_view_sensitive=True,
        department=teams["root"],
    )
    lead_a = create_user(
        "lead_a",
        "demo-pass",
        display_name="李组长",
        department=teams["a"],
        manager=manager,
        data_scope=DataScope.SUBORDINATES,
    )
    rep1 = create_user(
        "rep1", "demo-pass", display_name="张伟", department=teams["a"], manager=lead_a
    )
    rep2 = create_user(
        "rep2", "demo-pass", display_name="刘芳", department=teams["b"], manager=manager
    )
    viewer = create_user(
        "viewer",
        "demo-pass",
        display_name="赵观察",
        department=teams["a"],
        role=Role.READ_ONLY,
        data_scope=DataScope.DEPARTMENT,
    )
    return {"manager": manager, "lead_a": lead_a, "rep1": rep1, "rep2": rep2, "viewer": viewer}


@pytest.fixture
def manager(personas):
    return personas["manager"]


@pytest.fixture
def rep1(personas):
    return personas["rep1"]


@pytest.fixture
def rep2(personas):
    return personas["rep2"]


@pytest.fixture
def customer_of(personas):
    """customer_of("rep1", name=..., **fields) creates a customer owned by that persona."""
    from guanxi.customers.services import create_customer

    def make(username: str, **fields):
        owner = personas[username]
        fields.setdefault("name", "张三")
        tags = fields.pop("tags", None)
        return create_customer(owner, fields, owner=owner, tags=tags)

    return make


@pytest.fixture
def product(db):
    from decimal import Decimal

    from guanxi.sales.services import create_product

    return create_product(
        None,
        {
            "sku": "TEA-001",
            "name": "龙井茶 250g",
            "price": Decimal("128.00"),
            "category": "茶叶",
            "features": "明前采摘",
            "advantages": "香气持久",
            "benefits": "待客有面子",
        },
    )
