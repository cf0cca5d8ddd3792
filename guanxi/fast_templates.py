"""The Jinja2 environment for the few fragments rendered on every request of a busy page.

Django's template language renders the list's 25 rows in ~4 ms of CPU (each variable, tag
and filter is a node object walked per row: about 1,500 per page); the same rows compiled
by Jinja2 to Python code cost ~1.4 ms (measured in process at 1,000,000 customers; they are
now written by Python, customers/rows.py, ~0.45 ms). Only such hot fragments use it (the list's
body, the 360 page's body with its timeline
items, scores panel, consent card and sensitive fields); every page itself stays a Django
template (base.html), which includes the fragment's output.
Autoescaping is on.

Texts: a fragment either gets them passed in translated, or writes `{{ _("…") }}` with the
placeholders filled by `|format(name=…)`: Django's makemessages reads that form from any
.html file (as it reads `{{ _("…") }}` in its own templates), and `_` is Django's gettext
(in render_fragment, the active catalog's own: active_gettext).
"""

from weakref import WeakKeyDictionary

from jinja2 import Environment


def _ymd(value) -> str:
    """A date or moment as YYYY-MM-DD in the active time zone ({{ x|date:"Y-m-d" }})."""
    from datetime import datetime

    from django.utils import formats
    from django.utils.timezone import is_aware, localtime

    if not value:
        return ""
    if isinstance(value, datetime) and is_aware(value):
        value = localtime(value)
    return formats.date_format(value, "Y-m-d")


def _datetime(value) -> str:
    """A moment in the active time zone in the language's DATETIME_FORMAT
    ({{ x|date:"DATETIME_FORMAT" }})."""
    from django.utils import formats
    from django.utils.timezone import template_localtime

    return formats.date_format(template_localtime(value), "DATETIME_FORMAT") if value else ""


def _input_value(value) -> str:
    """A number (or any value) as an input's value, "" for None: what
    {{ x|default_if_none:"" }} writes (numbers localized as Django writes them)."""
    from django.utils.formats import localize

    return "" if value is None else str(localize(value))


def _show(value) -> str:
    """A value as Django's template language writes `{{ x }}`: in the active time zone and
    localized (dates, numbers); escaping is the environment's."""
    from django.utils.formats import localize
    from django.utils.timezone import template_localtime

    return str(localize(template_localtime(value)))


# A URL's pattern per (script prefix, name, number of arguments): reversed once with stand-in
# ids, then filled in. reverse() walks the resolver for every URL (~18 µs; the 360 page's body
# asks for ~17): the fragments' URLs take ids (int), which fill a pattern as reverse() would.
_URL_PATTERNS: dict[tuple, str | None] = {}
_STAND_INS = (7300000000000000001, 7300000000000000002, 7300000000000000003)


def _url(name: str, *args) -> str:
    from django.urls import NoReverseMatch, get_script_prefix, reverse

    if len(args) > len(_STAND_INS) or not all(type(a) is int and a >= 0 for a in args):
        return reverse(name, args=args)
    key = (get_script_prefix(), name, len(args))
    if key not in _URL_PATTERNS:
        try:
            pattern = reverse(name, args=_STAND_INS[: len(args)])
        except NoReverseMatch:  # a converter that takes no such id: reverse each time
            pattern = None
        stand_ins = [str(s) for s in _STAND_INS[: len(args)]]
        if pattern is not None and any(pattern.count(s) != 1 for s in stand_ins):
            pattern = None
        _URL_PATTERNS[key] = pattern
    pattern = _URL_PATTERNS[key]
    if pattern is None:
        return reverse(name, args=args)
    for stand_in, arg in zip(_STAND_INS, args, strict=False):
        pattern = pattern.replace(str(stand_in), str(arg))
    return pattern


class FastEnvironment(Environment):
    """Jinja2's environment, with `a.b` on a dict read as `a["b"]` first.

    Jinja2 looks `a.b` up as an attribute and, on AttributeError, as a key: for the label and
    badge dicts the fragments read (~400 lookups on a list page) each lookup raised and caught
    an exception, ~0.6 ms of CPU a page (bench/bench_web.py's list, profiled in process). A key
    that names a dict method (items, keys, ...) still means the method, as in Jinja2."""

    def getattr(self, obj, attribute):
        if type(obj) is dict and attribute in obj and not hasattr(dict, attribute):
            return obj[attribute]
        return super().getattr(obj, attribute)


def environment(**options) -> Environment:
    from django.template.defaultfilters import linebreaksbr
    from django.utils.text import capfirst
    from django.utils.translation import gettext, ngettext

    options.pop("autoescape", None)  # always on: every value is escaped unless marked safe
    env = FastEnvironment(autoescape=True, extensions=["jinja2.ext.i18n"], **options)
    # old-style gettext: _("…") returns the text, and |format fills its %(name)s placeholders
    env.install_gettext_callables(gettext, ngettext, newstyle=False)
    # `_` is Django's gettext itself, not the extension's alias (which looks `gettext` up in
    # the context and calls it through the context again: ~1.5 µs a text, ~70 on the list)
    env.globals["_"] = gettext
    env.filters.update(
        {
            "ymd": _ymd,
            "input_value": _input_value,
            "linebreaksbr": linebreaksbr,
            "show": _show,
            "datetime": _datetime,
            "capfirst": capfirst,
        }
    )
    env.globals.update({"url": _url, "options": options_html})
    return env


def options_html(choices, selected=None) -> str:
    """`<option>` elements for (value, label) pairs, the one equal to `selected` (compared as
    text) marked selected; the output is safe HTML (both parts escaped). A pair whose second
    part is a list of pairs is a group, as in Django's grouped choices: an `<optgroup>`.

    A select's options in a Django template cost a loop node, an `if` and two variable nodes
    per option (~1 ms for the list's 200 tags); joined here they cost a few microseconds each.
    Escaped by markupsafe (Jinja2's, in C: 0.6 µs a value against Django's escape at 1.5 µs,
    which the list's ~200 options a page call twice each); a value already marked safe, as
    for Django's conditional_escape, is kept as it is.
    """
    from django.utils.safestring import mark_safe
    from markupsafe import escape

    chosen = "" if selected is None else str(selected)
    choices = tuple(choices)
    # The same menus come back on every page (a rep's tags, the levels): their HTML is kept
    # per (choices, selected), when every part is plain text or a number. A translatable
    # label (a lazy string) would compare equal whatever the language, so such menus are
    # built each time.
    plain = all(
        type(pair) is tuple and type(pair[0]) in _PLAIN and type(pair[1]) is str for pair in choices
    )
    key = (choices, chosen) if plain else None
    if key is not None:
        kept = _OPTIONS_KEPT.get(key)
        if kept is not None:
            return kept

    def options(pairs) -> list[str]:
        parts = []
        for value, label in pairs:
            if isinstance(label, list | tuple):
                inner = "".join(options(label))
                parts.append(f'<optgroup label="{escape(value)}">{inner}</optgroup>')
                continue
            value = str(value)
            mark = " selected" if value == chosen and chosen != "" else ""
            parts.append(f'<option value="{escape(value)}"{mark}>{escape(label)}</option>')
        return parts

    html = mark_safe("".join(options(choices)))  # noqa: S308 - every value escaped above
    if key is not None:
        if len(_OPTIONS_KEPT) >= _OPTIONS_KEPT_MAX:
            _OPTIONS_KEPT.clear()  # many different menus: start again rather than grow
        _OPTIONS_KEPT[key] = html
    return html


# options_html's menus, by (choices, selected): ~200 escapes a list page less (its tag menu).
_PLAIN = (str, int)
_OPTIONS_KEPT: dict[tuple, str] = {}
_OPTIONS_KEPT_MAX = 256


def csrf_input(context) -> str:
    """The CSRF hidden input with the page's own token (the one {% csrf_token %} writes, computed
    once per page) for a fragment rendered by Jinja2 inside a Django template: given the
    request instead, Jinja2 would mask a fresh token for every form (~40 µs apiece)."""
    from django.utils.html import format_html

    token = context.get("csrf_token")
    if not token or str(token) == "NOTPROVIDED":
        return ""
    return format_html('<input type="hidden" name="csrfmiddlewaretoken" value="{}">', token)


def render_fragment(name: str, context: dict) -> str:
    """A Jinja2 fragment's HTML, safe to put in a Django template: Jinja2 escaped every value
    (autoescape is always on in this environment)."""
    from django.template import engines
    from django.utils.safestring import mark_safe

    template = engines["jinja2"].get_template(name)
    return mark_safe(template.render({**context, "_": active_gettext()}))  # noqa: S308


def _active_catalog():
    """The active language's catalog (Django's own object), or None where none is active."""
    from django.utils import translation
    from django.utils.translation import trans_real

    language = translation.get_language()
    return None if language is None else trans_real.translation(language)


def catalog_gettext():
    """The active language's own gettext (plain text), for a function that translates many
    texts in one request: Django's gettext, and a lazy text cast later, find the active
    language again for each (~2 µs apiece, against ~0.4 µs for the lookup in the catalog
    itself). The same catalog object, so the same answers; Django's own function where no
    language is active (translation.deactivate_all())."""
    from django.utils import translation

    catalog = _active_catalog()
    if catalog is None:
        return translation.gettext
    lookup = catalog.gettext

    def gettext(message: str) -> str:
        # as Django's: an empty text is empty (a catalog answers it with its header)
        return lookup(message) if message else message

    return gettext


def active_gettext():
    """catalog_gettext for one rendering of a fragment, answering escaped HTML (Markup).

    The 360 page's body has ~250 texts, which the environment escaped again on every page.
    Here a text is looked up and escaped once per catalog and process (only the fragments'
    literal msgids, ~1,000 per language), then read from a dict: `{{ _("…") }}` writes the
    same HTML, and `_("…%(n)s")|format(n=…)` escapes its values as it fills them in
    (Markup's `%`)."""
    from django.utils import translation
    from markupsafe import escape

    catalog = _active_catalog()
    if catalog is None:
        return translation.gettext
    escaped = _kept(catalog).setdefault("fast_templates:escaped texts", {})
    lookup = catalog_gettext()

    def gettext(message: str):
        text = escaped.get(message)
        if text is None:
            text = escaped[message] = escape(lookup(message))
        return text

    return gettext


def per_catalog(name: str, build):
    """`build()`'s answer for the active language, built once per catalog and process (a new
    catalog, e.g. in a test that changes the locale paths, starts afresh): translated labels
    a busy page would otherwise look up on every request through Django's gettext."""
    catalog = _active_catalog()
    if catalog is None:
        return build()
    kept = _kept(catalog)
    if name not in kept:
        kept[name] = build()
    return kept[name]


def choice_labels(field) -> dict:
    """A model field's choices as {value: label} in the active language, per catalog: what
    get_FOO_display looks up, without casting every label of the field on each call."""
    return per_catalog(
        f"choices:{field.model._meta.label}.{field.name}",
        lambda: {value: str(label) for value, label in field.flatchoices},
    )


def _kept(catalog) -> dict:
    """What is kept for one catalog (per_catalog's answers, active_gettext's texts)."""
    return _PER_CATALOG.setdefault(catalog, {})


_PER_CATALOG: WeakKeyDictionary = WeakKeyDictionary()
