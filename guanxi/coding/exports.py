"""The coding tree as a file: JSON (the tree as queries.tree gives it), XLSX (one row per
fragment and code, with the category above it) and Markdown (nested lists)."""

import json

from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from guanxi.dataio.exports import xlsx_bytes

FORMATS = {
    "json": "application/json",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "md": "text/markdown; charset=utf-8",
}


def render(tree: dict, fmt: str) -> tuple[bytes, str]:
    """(body, content type) of the tree in `fmt` (json, xlsx, md); Http404 for another."""
    if fmt not in FORMATS:
        raise Http404
    if fmt == "json":
        body = json.dumps(tree, ensure_ascii=False, indent=2).encode()
    elif fmt == "xlsx":
        body = xlsx_bytes(_headers(), rows(tree), _("Coding tree")[:31])
    else:
        body = markdown(tree).encode()
    return body, FORMATS[fmt]


def _headers() -> list[str]:
    return [
        _("Core category"),
        pgettext("grounded theory", "Category"),
        _("Codes in category"),
        _("Fragments in category"),
        _("Properties"),
        _("Code"),
        _("Fragments of code"),
        pgettext("coded fragment", "Quote"),
        _("Source"),
    ]


def _properties(category: dict) -> str:
    return "; ".join(
        f"{p['name']} ({p['from']} … {p['to']})" if p["from"] or p["to"] else p["name"]
        for p in category["properties"]
    )


def rows(tree: dict):
    """One row per (category, code, fragment); a code with no fragment has one row, so does a
    category with no code. Codes in no category come last with an empty category."""
    groups = [*tree["categories"], None]
    for category in groups:
        codes = category["codes"] if category else tree["uncategorised"]
        head = [
            _("yes") if category and category["core"] else "",
            category["name"] if category else _("(no category)"),
            category["code_count"] if category else len(codes),
            category["fragment_count"] if category else "",
            _properties(category) if category else "",
        ]
        if not codes and category is not None:
            yield [*head, "", "", "", ""]
        for code in codes:
            if not code["fragments"]:
                yield [*head, code["name"], 0, "", ""]
            for fragment in code["fragments"]:
                yield [
                    *head,
                    code["name"],
                    code["count"],
                    fragment["quote"],
                    fragment["document_title"],
                ]


def markdown(tree: dict) -> str:
    project = tree["project"]
    lines = [f"# {project['title']}", ""]
    if project["question"]:
        lines += [f"> {project['question']}", ""]
    if project["story_line"]:
        lines += [f"## {_('Story line')}", "", project["story_line"], ""]
    lines += [f"## {_('Coding tree')}", ""]
    for category in tree["categories"]:
        mark = f" ({_('core category')})" if category["core"] else ""
        lines.append(
            f"- **{category['name']}**{mark} — "
            + _("%(codes)d codes, %(fragments)d fragments")
            % {"codes": category["code_count"], "fragments": category["fragment_count"]}
        )
        for prop in category["properties"]:
            lines.append(
                "  - "
                + _("%(label)s: ") % {"label": _("Property")}
                + f"{prop['name']} ({prop['from']} … {prop['to']})"
            )
        for relation in category["relations"]:
            if relation["source"] == category["id"]:
                target = relation["target_name"]
                if relation["note"]:
                    target = _("%(label)s: %(error)s") % {
                        "label": target,
                        "error": relation["note"],
                    }
                lines.append(f"  - {relation['kind_label']} → {target}")
        for code in category["codes"]:
            lines.append(f"  - {code['name']} ({code['count']})")
            lines += [
                f"    - “{f['quote'].replace(chr(10), ' ')}” — {f['document_title']}"
                for f in code["fragments"]
            ]
    if tree["uncategorised"]:
        lines.append(f"- {_('(no category)')}")
        for code in tree["uncategorised"]:
            lines.append(f"  - {code['name']} ({code['count']})")
            lines += [
                f"    - “{f['quote'].replace(chr(10), ' ')}” — {f['document_title']}"
                for f in code["fragments"]
            ]
    return "\n".join(lines) + "\n"
