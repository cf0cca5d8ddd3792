"""Template hygiene: Django's {# ... #} comment is one line only; one spread over lines is shown
to users as text (the customer list showed one above "Save as segment")."""

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
