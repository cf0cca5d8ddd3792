"""The examples in docstrings run: every guanxi module with a `>>>` example is a test case."""

import doctest
import importlib
import pathlib

import pytest

import guanxi

ROOT = pathlib.Path(guanxi.__file__).parent


def modules_with_examples() -> list[str]:
    names = []
    for path in sorted(ROOT.rglob("*.py")):
        if "migrations" in path.parts or ">>>" not in path.read_text(encoding="utf-8"):
            continue
        relative = path.relative_to(ROOT.parent).with_suffix("")
        names.append(".".join(relative.parts).removesuffix(".__init__"))
    return names


def test_examples_are_found():
    # the analytics engine documents its functions with examples; finding none means the
    # discovery above broke, not that there is nothing to run
    assert len(modules_with_examples()) >= 3


@pytest.mark.parametrize("name", modules_with_examples())
def test_docstring_examples(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS)
    assert result.attempted > 0, f"{name} has '>>>' but no example doctest can find"
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples failed in {name}"
