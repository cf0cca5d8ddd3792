"""Where the current page sits in the header's navigation (base.html): its link and its menu.

The header groups its links in menus (Sales, Service, Analytics, More); a menu is marked
current when the page is one of its links', so a reader sees where they are with it closed.
"""

from django import template

register = template.Library()

# link: the paths it stands for (a path that starts with one of them)
_PREFIXES = {
    "customers": ("/customers/",),
    "leads": ("/leads/",),
    "pool": ("/pool/",),
    "pipeline": ("/pipeline/",),
    "quotes": ("/quotes/",),
    # before "contracts": the first link whose prefix matches is the page's
    "collections": ("/contracts/collections/",),
    "contracts": ("/contracts/",),
    "orders": ("/sales/orders",),
    "products": ("/sales/products",),
    "cases": ("/cases/",),
    "surveys": ("/surveys/",),
    "reviews": ("/reviews/",),
    "coding": ("/coding/",),
    "dashboards": ("/analytics/",),
    "segments": ("/segments/",),
    "data": ("/data/",),
    "team": ("/team/",),
    "account": ("/account/",),
}
_EXACT = {"/": "home", "/tasks/": "tasks"}
MENUS = {
    "sales": (
        "leads",
        "pool",
        "pipeline",
        "quotes",
        "contracts",
        "collections",
        "orders",
        "products",
    ),
    "service": ("cases", "surveys", "reviews"),
    "analytics": ("dashboards", "segments", "coding"),
    "more": ("data", "team"),
}
_MENU_OF = {link: menu for menu, links in MENUS.items() for link in links}


def nav_place(path: str) -> dict:
    """The navigation link and menu of a page's path ("" where none).

    >>> nav_place("/quotes/12/edit/")
    {'link': 'quotes', 'menu': 'sales'}
    >>> nav_place("/contracts/collections/")
    {'link': 'collections', 'menu': 'sales'}
    >>> nav_place("/tasks/")
    {'link': 'tasks', 'menu': ''}
    """
    link = _EXACT.get(path, "")
    if not link:
        link = next((k for k, ps in _PREFIXES.items() if path.startswith(ps)), "")
    return {"link": link, "menu": _MENU_OF.get(link, "")}


@register.simple_tag
def nav_here(path: str) -> dict:
    """{% nav_here request.path as here %}: here.link and here.menu name the current ones."""
    return nav_place(path)


# (language, script prefix, link, menu, signed in, administers, writes) -> the links' HTML. At
# most 2 languages × ~25 places × 4 roles: the links depend on nothing else, so they are rendered
# once per process and key. Rendered each time they cost ~0.7 ms of CPU a page (20 URL
# reversals and 25 translations), about a twentieth of the customer list's.
_LINKS: dict[tuple, str] = {}


@register.simple_tag(takes_context=True)
def nav_links(context, here: dict) -> str:
    """{% nav_links here %}: the header's links (includes/nav_links.html) for the page's place
    (nav_here) and the user's role."""
    from django.template.loader import render_to_string
    from django.urls import get_script_prefix
    from django.utils.safestring import mark_safe
    from django.utils.translation import get_language

    from guanxi.accounts.scope import can_administer, can_write

    user = context.get("user")
    signed_in = bool(user is not None and user.is_authenticated)
    administer = signed_in and can_administer(user)
    writes = signed_in and can_write(user)  # the import page's rule (a read-only user: 403)
    place = (here["link"], here["menu"])
    key = (get_language(), get_script_prefix(), *place, signed_in, administer, writes)
    html = _LINKS.get(key)
    if html is None:
        flags = {"here": here, "signed_in": signed_in, "administer": administer, "writes": writes}
        html = _LINKS[key] = render_to_string("includes/nav_links.html", flags)
    return mark_safe(html)  # noqa: S308 - a template's output, escaped there


@register.simple_tag(takes_context=True)
def lang_switch(context, next_url: str) -> str:
    """The 中文 / English buttons: a POST to set_language that returns to `next_url` (every
    page passes its full path: a public page's query string, e.g. a link's token or source,
    is part of where the visitor was), the current language pressed. Written here rather than
    as an included template, which cost ~0.25 ms of every page for two buttons
    (bench/cpu_pages.py)."""
    from django.conf import settings
    from django.urls import reverse
    from django.utils.html import format_html, format_html_join
    from django.utils.safestring import mark_safe
    from django.utils.translation import get_language

    from guanxi.fast_templates import csrf_input

    current = get_language()
    buttons = format_html_join(
        "",
        '<button type="submit" name="language" value="{}" lang="{}" class="{}"{}>{}</button>',
        (
            (
                code,
                code,
                "current" if code == current else "outline secondary",
                mark_safe(' aria-pressed="true"') if code == current else "",
                "简体中文" if code == "zh-hans" else "English",
            )
            for code, _name in settings.LANGUAGES
        ),
    )
    return format_html(
        '<form action="{}" method="post" class="lang-switch">{}'
        '<input name="next" type="hidden" value="{}">{}</form>',
        reverse("set_language"),
        csrf_input(context),
        next_url,
        buttons,
    )
