"""Every page each role reaches, checked against WCAG 2.1 A and AA by axe-core in Chromium, and
for reflow: at 320 CSS pixels wide (the width WCAG 1.4.10 names, a small phone) the page itself
never scrolls sideways; a wide table scrolls inside its own focusable box. axe runs at both widths,
since a box that overflows only on a phone must then take the keyboard's focus.

The pages are found as a person finds them: from the home page, following the links of each
page (the same page kind, e.g. any request's record, is checked once per role). Downloads and
sign-out are not followed. axe-core ships in the `axe-playwright-python` development dependency
(no download at run time); it cannot judge everything (reading order, the sense of a label), which
the screenshots and reviews cover.
"""

from __future__ import annotations

import re

import pytest

from tests.e2e.test_network import sign_in

pytestmark = pytest.mark.e2e

WCAG_AA = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
    "resultTypes": ["violations"],
}
NOT_FOLLOWED = re.compile(r"logout|export|\.pdf|\.csv|\.xlsx|download|certificate|set_language|/files?/")
ID_IN_PATH = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|\d+")
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 320, "height": 720}
MOST_PAGE_KINDS = 60  # above what any role reaches: the crawl ends by running out of links
# The fewest page kinds each role must reach: a crawl stopped early (a broken link, a sign-in
# that failed) must fail the test rather than check nothing.
FEWEST = {"coordination": 25, "admin": 25, "chrs": 15, "partenaire": 12, "orienteur": 6, "observateur": 4}


def page_kind(path: str) -> str:
    return ID_IN_PATH.sub("N", path.split("?")[0])


@pytest.mark.parametrize("username", sorted(FEWEST))
def test_every_page_meets_wcag_aa_and_reflows(browser, live_server_url, demo_env, username):
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    context = browser.new_context(locale="fr-FR", viewport=DESKTOP)
    page = context.new_page()
    sign_in(page, live_server_url, demo_env, username)
    queue, kinds_seen, checked, problems = ["/"], set(), [], []
    while queue and len(checked) < MOST_PAGE_KINDS:
        path = queue.pop(0)
        if page_kind(path) in kinds_seen:
            continue
        kinds_seen.add(page_kind(path))
        response = page.goto(live_server_url + path)
        if response is None or response.status != 200:
            # A link the role is shown must lead somewhere it may go.
            problems.append(f"{path}: answers {response.status if response else 'nothing'}")
            continue
        if "text/html" not in response.headers["content-type"]:
            continue
        checked.append(path)
        for size in (DESKTOP, PHONE):
            page.set_viewport_size(size)
            for violation in axe.run(page, options=WCAG_AA).response["violations"]:
                targets = [node["target"] for node in violation["nodes"]][:3]
                problems.append(f"{path} at {size['width']} px: {violation['id']} {targets}")
        widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        if widths[0] > widths[1] + 1:
            problems.append(f"{path}: scrolls sideways on a phone ({widths[0]} px for {widths[1]})")
        page.set_viewport_size(DESKTOP)
        links = page.eval_on_selector_all("a[href]", "links => links.map(a => a.getAttribute('href'))")
        queue += [
            href
            for href in links
            if href.startswith("/") and not href.startswith("//") and "#" not in href
            if not NOT_FOLLOWED.search(href)
        ]
    context.close()
    assert len(checked) >= FEWEST[username], checked
    assert not problems, "\n".join(problems)
