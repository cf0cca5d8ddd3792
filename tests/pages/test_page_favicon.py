"""The icon in the browser tab: linked from every page, and /favicon.ico leads to it."""

from pathlib import Path

from django.contrib.staticfiles import finders


def test_favicon_is_linked_and_favicon_ico_leads_to_it(client, client_for):
    login = client.get("/login/").content.decode()
    customers = client_for("rep1").get("/customers/").content.decode()
    for html in (login, customers):
        assert '<link rel="icon" href="/static/guanxi/favicon' in html

    response = client.get("/favicon.ico")

    assert response.status_code == 302
    assert response["Location"].startswith("/static/guanxi/favicon")
    assert response["Location"].endswith(".svg")
    svg = Path(finders.find("guanxi/favicon.svg")).read_text(encoding="utf-8")
    assert svg.startswith("<svg") and 'viewBox="0 0 64 64"' in svg
    assert "<script" not in svg and "<text" not in svg  # drawn in strokes, needs no font
