"""The header's navigation: links grouped in menus, the current page's link and its menu marked."""

import re

import pytest

from guanxi.workspace.templatetags.nav_tags import MENUS, nav_place


def _current(html: str) -> tuple[list[str], list[str]]:
    """The hrefs marked aria-current="page" and the menus (details ids) marked current."""
    links = re.findall(r'<a href="([^"]+)" aria-current="page"', html)
    menus = re.findall(
        r'<details class="dropdown" id="(nav-\w+)">\s*<summary aria-current="true"', html
    )
    return links, menus


@pytest.mark.parametrize(
    ("path", "link", "menu"),
    [
        ("/", "home", ""),
        ("/tasks/", "tasks", ""),
        ("/tasks/42/", "", ""),
        ("/customers/7/", "customers", ""),
        ("/quotes/3/edit/", "quotes", "sales"),
        ("/contracts/collections/", "collections", "sales"),
        ("/contracts/5/", "contracts", "sales"),
        ("/coding/2/", "coding", "analytics"),
        ("/sales/orders/new/", "orders", "sales"),
        ("/cases/charts/", "cases", "service"),
        ("/analytics/settings/", "dashboards", "analytics"),
        ("/team/users/2/", "team", "more"),
        ("/account/", "account", ""),
    ],
)
def test_nav_place_names_the_link_and_its_menu(path, link, menu):
    assert nav_place(path) == {"link": link, "menu": menu}


def test_every_menu_link_is_a_known_link():
    # a link named in MENUS but matched by no path would never be marked current
    for links in MENUS.values():
        for link in links:
            assert any(nav_place(p)["link"] == link for p in _SAMPLE_PATHS), link


_SAMPLE_PATHS = [
    "/leads/", "/pool/", "/pipeline/", "/quotes/", "/contracts/", "/contracts/collections/", "/sales/orders/", "/sales/products/",
    "/cases/", "/surveys/", "/reviews/", "/coding/", "/analytics/", "/segments/", "/data/import/",
    "/team/",
]  # fmt: skip


def test_a_page_in_a_menu_marks_its_link_and_the_menu(client_for):
    html = client_for("manager").get("/sales/orders/").content.decode()
    assert _current(html) == (["/sales/orders/"], ["nav-sales"])
    assert html.count('class="dropdown"') == 4  # Sales, Service, Analytics, More


def test_a_top_level_page_marks_no_menu(client_for):
    html = client_for("rep1").get("/customers/").content.decode()
    assert _current(html) == (["/customers/"], [])


def test_a_rep_has_import_export_at_the_top_and_no_more_menu(client_for):
    # the More menu holds Team, for those who administer; a rep keeps Import / export in the row
    html = client_for("rep1").get("/data/import/").content.decode()
    assert 'id="nav-more"' not in html and "/team/" not in html
    assert _current(html) == (["/data/import/"], [])
    manager = client_for("manager").get("/data/import/").content.decode()
    assert _current(manager) == (["/data/import/"], ["nav-more"])


def test_a_read_only_user_is_not_offered_the_import_page_it_may_not_open(client_for):
    # a new-user review: the viewer's menu linked to /data/import/, which answered 403
    client = client_for("viewer")
    assert client.get("/data/import/").status_code == 403
    html = client.get("/customers/").content.decode()
    assert 'href="/data/import/"' not in html
    assert 'href="/data/import/"' in client_for("rep1").get("/customers/").content.decode()


@pytest.mark.parametrize(
    ("path", "menu"),
    [
        ("/quotes/", "nav-sales"),
        ("/contracts/collections/", "nav-sales"),
        ("/coding/", "nav-analytics"),
    ],
)
def test_quotes_collections_and_coding_are_links_of_their_menus(client_for, path, menu):
    # Quotes and Collections have links of their own in Sales; coding sits with Analytics
    html = client_for("manager").get(path).content.decode()
    assert _current(html) == ([path], [menu])
    analytics = html.split('id="nav-analytics"')[1].split("</details>")[0]
    assert 'href="/coding/"' in analytics
    service = html.split('id="nav-service"')[1].split("</details>")[0]
    assert 'href="/coding/"' not in service
