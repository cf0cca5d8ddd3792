"""The rooms of the house and which way imports run between them.

Every guanxi module is parsed (ast, so imports inside functions count too) and each import of
another guanxi module is checked: a module may import its own room and the rooms of lower
layers, never a room of its own layer or above. The few lazy imports that must go upwards are
listed in ALLOWED with the reason; the test also fails when one of them is gone, so the list
stays true.
"""

import ast
from pathlib import Path

import guanxi

ROOT = Path(guanxi.__file__).parent

# Lowest first. Each layer is a list of rooms; a room is a list of module prefixes.
LAYERS: list[list[list[str]]] = [
    # no Django app: plain rules, the analyses (pandas only), the API's message catalogue
    [
        ["guanxi.validation", "guanxi.date_inputs"],  # input rules; the forms' date pickers
        ["guanxi.analytics"],
        ["guanxi.api_messages"],
        ["guanxi.formats"],
        ["guanxi.bulk"],  # bulk inserts with ids (Django's ORM only)
        ["guanxi.fast_templates"],  # the Jinja2 environment of hot template loops
        ["guanxi.prepared"],  # queries compiled once per process (Django's ORM only)
        ["guanxi.joined"],  # a string aggregate per database (Django's ORM only)
    ],
    [["guanxi.audit"], ["guanxi.api_common"]],
    [["guanxi.services_common"]],
    [["guanxi.accounts"]],
    [["guanxi.customers"]],
    [["guanxi.activities"], ["guanxi.sales"]],
    # the subject-access export and the erasure gather a customer's activities and orders
    [["guanxi.privacy"]],
    # scores on every customer: the analytics engine over the app's own orders
    [["guanxi.scoring"]],
    # team administration hands a leaver's customers and tasks over; import/export
    [
        [
            "guanxi.accounts.team_api",
            "guanxi.accounts.team_forms",
            "guanxi.accounts.team_services",
            "guanxi.accounts.team_urls",
            "guanxi.accounts.team_views",
        ],
        ["guanxi.dataio"],
    ],
    # saved live queries over the customer list, their snapshots and the analysis settings
    # page: the list's query builder and scores below, dataio's export writer for the members
    # (so above dataio, not beside scoring); campaigns and dashboards may build on them
    [["guanxi.segments"]],
    # opportunities on the 5As pipeline, SPIN, objections, negotiation, targets and reports
    # (body language on the visits of activities); quotes and contracts above are made for them
    [["guanxi.pipeline"]],
    # review mining (dataio's file reader, the analytics engine, the scope); complaints and
    # service cases (a customer's cases, escalation tasks in activities); satisfaction surveys
    # (invite a segment's members, answers analysed by guanxi.analytics): independent rooms
    # the public pool (公海) and transfers: return rules over the customers' interactions and
    # orders, reminder tasks in activities
    [
        ["guanxi.voice"],
        ["guanxi.service"],
        ["guanxi.surveys"],
        ["guanxi.pool"],
        ["guanxi.leads"],
        ["guanxi.contracts"],
    ],
    # grounded-theory coding: copies complaints (service), reviews (voice) and customer notes
    # (activities) into research projects
    [["guanxi.coding"]],
    # what composes the domains: the 360 page, the demo company
    [["guanxi.workspace"], ["guanxi.demo"], ["guanxi.insights"]],
    # the site: the API, the URLs, settings and the commands that serve and run it
    [
        [
            "guanxi.demo.management",
            "guanxi.api",
            "guanxi.urls",
            "guanxi.wsgi",
            "guanxi.settings",
            "guanxi.cli",
            "guanxi.__main__",
            "guanxi.__init__",
        ],
    ],
]

# (importing module, imported module) -> why it may go upwards
ALLOWED = {
    (
        "guanxi.accounts.scope",
        "guanxi.customers.models",
    ): "scope.py is the one access gate (house rule): it filters the customer and collaborator "
    "tables it guards, which import scope's checks; it names them inside its functions",
    (
        "guanxi.accounts.scope",
        "guanxi.activities.models",
    ): "scope.visible_tasks filters tasks by their customer's scope, for the same reason",
}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    return ".".join(parts)


def _room(module: str) -> tuple[int, int] | None:
    """(layer, room) of the longest prefix naming the module."""
    best, found = -1, None
    for layer, rooms in enumerate(LAYERS):
        for room, prefixes in enumerate(rooms):
            for prefix in prefixes:
                if (module == prefix or module.startswith(prefix + ".")) and len(prefix) > best:
                    best, found = len(prefix), (layer, room)
    return found


def _imports(source: str, module: str, *, is_package: bool = False):
    """(imported name, line) of every import in the source, at any depth."""
    package = module if is_package else module.rsplit(".", 1)[0]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            yield target, node.lineno
            for alias in node.names:  # "from guanxi.x import views" imports guanxi.x.views
                yield f"{target}.{alias.name}", node.lineno


def _modules():
    for path in sorted(ROOT.rglob("*.py")):
        if "migrations" not in path.parts:
            yield path, _module_name(path)


def _resolve(target: str) -> str | None:
    """The guanxi module an import names (dropping a trailing attribute), or None."""
    while target.startswith("guanxi"):
        if (ROOT.parent / (target.replace(".", "/") + ".py")).exists() or (
            ROOT.parent / target.replace(".", "/") / "__init__.py"
        ).exists():
            return target
        target = target.rpartition(".")[0]
    return None


def _upward_imports():
    found = set()
    for path, module in _modules():
        mine = _room(module)
        assert mine is not None, f"{module} is in no room of LAYERS: give it one"
        source = path.read_text(encoding="utf-8")
        for target, line in _imports(source, module, is_package=path.name == "__init__.py"):
            imported = _resolve(target)
            if imported is None:
                continue
            theirs = _room(imported)
            if theirs == mine or theirs[0] < mine[0]:
                continue
            found.add((module, imported, line))
    return found


def test_imports_run_downwards_only():
    upward = _upward_imports()
    wrong = sorted(
        f"{module}:{line} imports {imported}"
        for module, imported, line in upward
        if (module, imported) not in ALLOWED
    )
    assert not wrong, "imports of a room of the same or a higher layer:\n" + "\n".join(wrong)


def test_every_allowed_exception_is_still_needed():
    used = {(module, imported) for module, imported, _line in _upward_imports()}
    assert set(ALLOWED) <= used, f"no longer needed, remove from ALLOWED: {set(ALLOWED) - used}"


def test_the_analyses_import_no_django_and_no_other_room():
    for path, module in _modules():
        if not module.startswith("guanxi.analytics"):
            continue
        for target, line in _imports(path.read_text(encoding="utf-8"), module):
            assert not target.startswith("django"), f"{module}:{line} imports {target}"
            if target.startswith("guanxi"):
                assert target.startswith("guanxi.analytics"), f"{module}:{line} imports {target}"


def test_the_checker_sees_a_lazy_upward_import():
    """The check itself can fail: an import inside a function of a domain app is caught."""
    source = "def f():\n    from ..workspace.views import detail_context\n"
    imports = list(_imports(source, "guanxi.customers.views"))
    assert ("guanxi.workspace.views.detail_context", 2) in imports
    assert _resolve("guanxi.workspace.views.detail_context") == "guanxi.workspace.views"
    assert _room("guanxi.workspace.views")[0] > _room("guanxi.customers.views")[0]
