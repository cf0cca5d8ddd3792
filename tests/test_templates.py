"""Template hygiene: Django's {# ... #} comment is one line only; one spread over lines is shown
to users as text (the customer list showed one above "Save as segment"). A label and its value
are joined by the language's colon, not a fixed ASCII one."""

import re
from pathlib import Path

import guanxi

ROOT = Path(guanxi.__file__).parent


def test_no_template_comment_spans_lines():
    broken = []
    for path in ROOT.rglob("templates/**/*.html"):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            rest = line
            while "{#" in rest:
                rest = rest[rest.index("{#") + 2 :]
                if "#}" not in rest:
                    broken.append(f"{path.relative_to(ROOT)}:{number}")
                    break
                rest = rest[rest.index("#}") + 2 :]
    assert broken == [], "use {% comment %} for comments over several lines"


# A label ({{ ... }}, {% trans "..." %}, or one chosen or translated by a tag: {% endif %},
# {% endblocktrans %}) followed by an ASCII colon in the template's own text; the joins inside
# {% blocktrans %} are the translatable ones and are left out.
_BLOCKTRANS = re.compile(r"\{%\s*blocktrans(late)?\b.*?\{%\s*endblocktrans(late)?\s*%\}", re.S)
_ASCII_JOIN = re.compile(r"(\}\}|%\}|</strong>|</b>|</em>):(\s|<)")


def test_labels_are_joined_to_their_values_by_the_languages_colon():
    """Chinese shows "取消原因：客户改订", not "取消原因: 客户改订": a template joins a label and
    its value with {% blocktrans with label=... %}{{ label }}: {% endblocktrans %} (or
    "{{ label }}: {{ error }}" for a form error), the msgids the customer list uses."""
    ascii_joins = []
    for path in [*ROOT.rglob("templates/**/*.html"), *ROOT.rglob("jinja2/**/*.html")]:
        text = _BLOCKTRANS.sub("", path.read_text(encoding="utf-8"))
        ascii_joins += [
            f"{path.relative_to(ROOT)}: {text[max(0, m.start() - 40) : m.end()].strip()}"
            for m in _ASCII_JOIN.finditer(text)
        ]
    assert ascii_joins == []


# A date (or date and time) shown by the `date` filter.
_DATE = re.compile(r'\{\{[^}]*\|date:"[^"]*"[^}]*\}\}')


def test_dates_in_table_cells_do_not_wrap():
    # given every template (printouts aside), when a table cell shows a date: the date is inside
    # a <span class="date"> (app.css: nowrap), so "2026-12-02" never breaks into "2026-12-" /
    # "02" when the table is crowded
    bare = []
    for path in [*ROOT.rglob("templates/**/*.html"), *ROOT.rglob("jinja2/**/*.html")]:
        if "print" in path.name:
            continue
        text = path.read_text(encoding="utf-8")
        for match in _DATE.finditer(text):
            before = text[: match.start()]
            in_cell = before.rfind("<td") > max(before.rfind("</td>"), before.rfind("</tr>"))
            if in_cell and not before.endswith('<span class="date">'):
                bare.append(f"{path.relative_to(ROOT)}: {match.group(0)}")
    assert bare == []
    css = (ROOT / "static/guanxi/app.css").read_text(encoding="utf-8")
    assert ".date { white-space: nowrap; }" in css
