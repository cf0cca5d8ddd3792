"""The Jinja2 environment of the busy fragments (guanxi/fast_templates.py) reads `a.b` as
Jinja2 does; it only looks a dict's keys up first."""

import pytest
from jinja2 import Environment

from guanxi.fast_templates import environment


class Row:
    name = "Attribute"

    def __getitem__(self, key):
        return f"item {key}"


@pytest.mark.parametrize(
    ("source", "context"),
    [
        ("{{ d.level }}", {"d": {"level": "客户等级"}}),
        ("{{ d.missing is undefined }}", {"d": {"level": 1}}),
        ("{{ d.items()|list }}", {"d": {"items": "a key named like a method", "b": 2}}),
        ("{{ d.keys is callable }}", {"d": {"keys": 1}}),
        ("{{ r.name }} {{ r.other }}", {"r": Row()}),
        ("{{ n.real }}", {"n": 5}),
        ("{{ d.x.y }}", {"d": {"x": {"y": "<b>escaped</b>"}}}),
        ("{{ d.get('a') }}", {"d": {"a": 1, "get": "shadowing"}}),
    ],
)
def test_attribute_lookup_as_jinja2(source, context):
    ours = environment().from_string(source).render(context)
    theirs = Environment(autoescape=True).from_string(source).render(context)
    assert ours == theirs


def test_dict_keys_do_not_raise(monkeypatch):
    """A dict's key is read without the AttributeError Jinja2 raises and catches first."""
    calls = []
    real = Environment.getattr

    def spy(self, obj, attribute):
        calls.append(attribute)
        return real(self, obj, attribute)

    monkeypatch.setattr(Environment, "getattr", spy)
    html = environment().from_string("{{ d.level }}{{ r.name }}").render(d={"level": 1}, r=Row())
    assert html == "1Attribute"
    assert calls == ["name"]  # only the object's attribute went through Jinja2's lookup


def test_a_fragments_texts_come_from_the_active_languages_catalog():
    """render_fragment binds `_` to the active language's catalog once per rendering (a speed
    measure): the texts are Django gettext's, an empty text stays empty (a catalog would answer
    with its header), and no active language falls back to Django's gettext."""
    from django.utils import translation
    from django.utils.translation import gettext

    from guanxi.fast_templates import active_gettext

    for language in ("zh-hans", "en"):
        with translation.override(language):
            ours = active_gettext()
            assert ours("Timeline") == gettext("Timeline")
            assert ours("") == ""
    with translation.override("zh-hans"):
        assert active_gettext()("Timeline") == "时间线"
    with translation.override(None):
        assert active_gettext() is translation.gettext


def test_a_fragments_texts_are_escaped_once_and_fill_placeholders_escaped():
    """active_gettext answers escaped HTML, kept per catalog: a text with "&" or "<" is written
    as Jinja2 would have escaped it, and `|format` escapes the values it fills in."""
    from django.utils import translation
    from markupsafe import Markup

    from guanxi.fast_templates import active_gettext, environment

    env = environment()
    with translation.override("en"):
        _ = active_gettext()
        assert isinstance(_("Timeline"), Markup)
        assert _("Timeline") is _("Timeline")  # looked up and escaped once
        assert _("R&D <b>") == "R&amp;D &lt;b&gt;"  # not in the catalog: itself, escaped
        html = env.from_string('{{ _("Hello %(name)s")|format(name=n) }}').render(_=_, n="<script>")
        assert html == "Hello &lt;script&gt;"
        assert env.from_string('{{ _("A & B") }}').render(_=_) == "A &amp; B"
    with translation.override("zh-hans"):
        assert active_gettext()("Timeline") == "时间线"  # another catalog, its own texts


def test_option_menus_are_kept_only_when_every_label_is_plain_text():
    """options_html keeps a menu's HTML by (choices, selected); a translatable label would
    compare equal in every language, so a menu with one is built each time."""
    from django.utils import translation
    from django.utils.translation import gettext_lazy

    from guanxi.fast_templates import options_html

    tags = [("vip", "VIP & <co>"), ("new", "new")]
    first = options_html(tags, "new")
    assert first == (
        '<option value="vip">VIP &amp; &lt;co&gt;</option><option value="new" selected>new</option>'
    )
    assert options_html(iter(tags), "new") is first  # kept, whatever iterable gave the pairs
    assert "selected" not in options_html(tags, "")  # another choice: another menu
    lazy = [("timeline", gettext_lazy("Timeline"))]
    with translation.override("en"):
        assert ">Timeline<" in options_html(lazy)
    with translation.override("zh-hans"):
        assert ">时间线<" in options_html(lazy)


@pytest.mark.parametrize(
    "name, args",
    [
        ("customers:detail", (7,)),
        ("customers:detail", (123456789012,)),
        ("customers:contact_edit", (7, 70)),
        ("customers:merge_undo", (1, 2)),
        ("sales:order_create", ()),
        ("customers:detail", ("7",)),  # not an int: reverse() itself
    ],
)
def test_url_fills_a_reversed_pattern_as_reverse_writes_it(name, args):
    from django.urls import reverse

    from guanxi.fast_templates import _url

    assert _url(name, *args) == reverse(name, args=args)
    assert _url(name, *args) == reverse(name, args=args)  # the kept pattern again


def test_url_follows_the_script_prefix():
    from django.urls import reverse, set_script_prefix

    from guanxi.fast_templates import _url

    try:
        set_script_prefix("/crm/")
        assert _url("customers:detail", 5) == reverse("customers:detail", args=(5,))
        assert _url("customers:detail", 5).startswith("/crm/")
    finally:
        set_script_prefix("/")
    assert _url("customers:detail", 5) == "/customers/5/"
