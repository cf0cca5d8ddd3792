"""Every name an audit entry records is shown in the user's language: a field of a model (its
verbose name) or one of the trail's own names (guanxi_ui.TRAIL_LABELS), and the words the
code writes as values (a reveal's route) have labels too (guanxi_ui.TRAIL_VALUES).

New-user review #2 found "Returned_to_pool" (pool/rules.py) and "Route → page"
(privacy/sensitive.py) raw on the 360 timeline. The names are found by reading the source
(ast): the string keys of the dicts passed to the audit helpers (record, record_many,
record_rows, record_update...) and of the dicts, and subscripts, of variables named like
`changes`. Names recorded through `fields=[...]` or snapshot() are fields by construction.
"""

import ast
from pathlib import Path

from django.apps import apps
from django.utils import translation

import guanxi
from guanxi.customers.templatetags.guanxi_ui import TRAIL_LABELS, TRAIL_VALUES

SOURCE = Path(guanxi.__file__).parent


def _modules():
    for path in sorted(SOURCE.rglob("*.py")):
        if "migrations" not in path.parts:
            yield path, ast.parse(path.read_text(encoding="utf-8"))


def _dict_keys(node) -> set[str]:
    return {
        key.value
        for d in ast.walk(node)
        if isinstance(d, ast.Dict)
        for key in d.keys
        if isinstance(key, ast.Constant) and isinstance(key.value, str)
    }


def written_names() -> dict[str, set[str]]:
    """{name: the modules that record it}."""
    found: dict[str, set[str]] = {}

    def add(names, path):
        for name in names:
            found.setdefault(name, set()).add(str(path.relative_to(SOURCE)))

    for path, tree in _modules():
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                func = getattr(node.func, "attr", getattr(node.func, "id", ""))
                if func.startswith("record"):
                    for arg in [
                        *node.args,
                        *(k.value for k in node.keywords if k.arg == "changes"),
                    ]:
                        add(_dict_keys(arg), path)
            elif isinstance(node, ast.Assign | ast.AnnAssign):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for target in targets:
                    if isinstance(target, ast.Name) and "change" in target.id and node.value:
                        add(_dict_keys(node.value), path)
                    if (
                        isinstance(target, ast.Subscript)
                        and isinstance(target.value, ast.Name)
                        and "change" in target.value.id
                        and isinstance(target.slice, ast.Constant)
                    ):
                        add({target.slice.value}, path)
    return found


def field_names() -> set[str]:
    names = set()
    for model in apps.get_models():
        for field in model._meta.get_fields():
            names.add(field.name)
            names.add(getattr(field, "attname", field.name))
    return names


def test_every_recorded_name_is_a_field_or_has_a_label():
    written = written_names()
    # the scan sees the names the review found, and a few of each kind
    assert {"returned_to_pool", "route", "purpose", "claimed_from_pool", "owner"} <= set(written)
    assert len(written) > 40

    fields = field_names()
    raw = {name: sorted(where) for name, where in written.items() if name not in fields}
    missing = {name: where for name, where in raw.items() if name not in TRAIL_LABELS}
    assert not missing, f"add these names to guanxi_ui.TRAIL_LABELS: {missing}"


def test_every_route_a_reveal_records_has_a_label():
    """privacy.sensitive.reveal's default route and every route= the callers pass."""
    routes = set()
    for _path, tree in _modules():
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                routes |= {
                    k.value.value
                    for k in node.keywords
                    if k.arg == "route" and isinstance(k.value, ast.Constant)
                }
            if isinstance(node, ast.FunctionDef) and node.name in ("reveal", "log_bulk_reveal"):
                args = node.args
                for arg, default in zip(args.kwonlyargs, args.kw_defaults, strict=True):
                    if arg.arg == "route" and isinstance(default, ast.Constant):
                        routes.add(default.value)
    assert {"page", "api", "export"} <= routes
    assert routes <= set(TRAIL_VALUES["route"]), routes - set(TRAIL_VALUES["route"])


def test_the_trail_names_and_values_are_translated():
    with translation.override("zh-hans"):
        for name, label in TRAIL_LABELS.items():
            assert str(label) != name.replace("_", " ") or name == "API", name
        for words in TRAIL_VALUES.values():
            for value, label in words.items():
                assert str(label) != value or value == "api", value
