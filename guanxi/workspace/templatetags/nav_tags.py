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


def _answers_get(view) -> bool:
    """False for a view that refuses GET: a class-based one without get(), or one wrapped in
    Django's require_http_methods (require_POST...) without GET, which keeps its methods in
    the closure of the function it returns (followed through every decorator's __wrapped__)."""
    view_class = getattr(view, "view_class", None)
    if view_class is not None:
        return "get" in view_class.http_method_names and hasattr(view_class, "get")
    while view is not None:
        code = getattr(view, "__code__", None)
        if code is not None and "request_method_list" in code.co_freevars and view.__closure__:
            methods = view.__closure__[code.co_freevars.index("request_method_list")].cell_contents
            if "GET" not in methods:
                return False
        view = getattr(view, "__wrapped__", None)
    return True


def _page_answers_get(url: str) -> bool:
    from urllib.parse import urlsplit

    from django.urls import Resolver404, get_script_prefix, resolve

    path, prefix = urlsplit(url).path, get_script_prefix()
    if not path.startswith(prefix):
        return False
    try:
        return _answers_get(resolve("/" + path[len(prefix) :]).func)
    except Resolver404:
        return False


def return_path(request, full_path: str, *, refused: bool = False) -> str:
    """Where the language switch returns to. A page answering GET: itself (`full_path`).

    A page rendered in answer to a POST (a form with errors) sits at the form's address, which
    may answer POST only (/account/password/: a GET there is a 405), as does the 405 page
    (`refused`). Then the first of these that answers GET: the page the form was sent from, or
    the link followed (the Referer, when it is on this site); this address; the addresses
    above it (/account/password/ -> /account/); the start page. Leaving `next` out would not
    do: set_language would fall back to the switch's own Referer, this very address.
    """
    if request is None or (request.method in ("GET", "HEAD") and not refused):
        return full_path
    from urllib.parse import urlsplit

    from django.urls import get_script_prefix
    from django.utils.http import url_has_allowed_host_and_scheme

    candidates = []
    referer = request.META.get("HTTP_REFERER", "")
    if referer and url_has_allowed_host_and_scheme(
        referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        parts = urlsplit(referer)
        candidates.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    if not refused:
        candidates.append(full_path)
    segments = urlsplit(full_path).path.rstrip("/").split("/")
    candidates += ["/".join(segments[:n]) + "/" for n in range(len(segments) - 1, 1, -1)]
    local = (url for url in candidates if url.startswith("/") and not url.startswith("//"))
    return next((url for url in local if _page_answers_get(url)), get_script_prefix())


@register.simple_tag(takes_context=True)
def lang_switch(context, next_url: str) -> str:
    """The 中文 / English buttons: a POST to set_language that returns to `next_url` (every
    page passes its full path: a public page's query string, e.g. a link's token or source,
    is part of where the visitor was; see return_path for a page answering a POST), the
    current language pressed. Written here rather than as an included template, which cost
    ~0.25 ms of every page for two buttons (bench/cpu_pages.py)."""
    from django.conf import settings
    from django.urls import reverse
    from django.utils.html import format_html, format_html_join
    from django.utils.safestring import mark_safe
    from django.utils.translation import get_language

    from guanxi.fast_templates import csrf_input

    next_url = return_path(context.get("request"), next_url, refused=bool(context.get("refused")))
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
