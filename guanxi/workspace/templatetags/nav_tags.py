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
