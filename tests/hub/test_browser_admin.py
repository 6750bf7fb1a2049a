"""End to end in a real browser: an admin imports a CSV with a preview, an invitee joins.

Mail goes to the on-disk outbox here, as on a single machine without a relay, and the
invitation link is read from the admin's outbox page, as an admin there would.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.support.browser import login_in_browser

pytestmark = pytest.mark.browser

CSV = (
    "\ufeffEmail Address,Full Name,Company,Tags\r\n"
    "zoe@example.org,Zoë Zander,Zander Bikes,cycling; logistics\r\n"
    "yan@example.org,Yan Yu,Yu Studio,\r\n"
    "known@example.org,Known Person,Old Co,\r\n"
    "not-an-address,Broken Row,X,\r\n"
    "ZOE@example.org,Zoë again,Zander Bikes,\r\n"
    'xia@example.org,Xia Xu,"Xu, Xu & Partners",\r\n'
)


@pytest.fixture
def app_config() -> dict:
    return {"HUB_MAIL_BACKEND": "outbox"}


def test_admin_imports_a_csv_and_an_invitee_accepts_from_the_outbox(
    live_server, page, browser, make_member, tmp_path
):
    admin = make_member("Ada Admin", email="ada@example.org", role="admin")
    make_member("Known Person", email="known@example.org")
    upload = tmp_path / "list.csv"
    upload.write_bytes(CSV.encode())

    login_in_browser(page, live_server, admin)
    page.get_by_role("link", name="Admin", exact=True).click()
    admin_nav = page.get_by_role("navigation", name="Admin")
    admin_nav.get_by_role("link", name="Import").click()
    page.get_by_label("CSV file").set_input_files(str(upload))
    page.get_by_role("button", name="Preview").click()

    expect(page.get_by_role("heading", name="Preview of list.csv")).to_be_visible()
    counts = {
        key: page.locator(f"#count-{key}").inner_text()
        for key in ("new", "existing", "invalid", "duplicates")
    }
    assert counts == {"new": "3", "existing": "1", "invalid": "1", "duplicates": "1"}
    invalid = page.locator("section", has=page.locator("#invalid-rows")).inner_text()
    assert "not-an-address" in invalid and "not valid" in invalid
    repeated = page.locator("section", has=page.locator("#duplicate-rows")).inner_text()
    assert "zoe@example.org is on line 2 already" in repeated

    page.get_by_label("Send each new member an invitation").check()
    page.get_by_role("button", name="Import 3 new members").click()
    assert "Imported 3 new members. Sent 3 invitations." in page.locator(".notice").inner_text()

    page.get_by_role("navigation", name="Admin").get_by_role("link", name="Outbox").click()
    row = page.get_by_role("row").filter(has_text="zoe@example.org")
    row.get_by_role("link", name="You are invited to Test Network").click()
    mail = page.locator("pre.mail").inner_text()
    link = re.search(re.escape(live_server) + r"/invite/[A-Za-z0-9_\-]+", mail).group(0)

    invitee = browser.new_context().new_page()
    invitee.goto(link)
    expect(invitee.get_by_role("heading", name="Welcome to Test Network")).to_be_visible()
    assert invitee.get_by_label("Your name").input_value() == "Zoë Zander"
    assert invitee.get_by_label("Interests").input_value() == "cycling, logistics"
    invitee.get_by_label("What you do").fill("Founder")
    invitee.get_by_role("button", name="Join Test Network").click()
    assert invitee.url == live_server + "/"
    assert "Welcome to Test Network, Zoë Zander" in invitee.locator(".notice").inner_text()
    expect(invitee.get_by_role("button", name="Log out")).to_be_visible()
    invitee.goto(live_server + "/members")
    assert (
        "Founder, Zander Bikes" in invitee.locator("li.member", has_text="Zoë Zander").inner_text()
    )
    invitee.context.close()

    page.get_by_role("link", name="Admin", exact=True).click()
    page.get_by_role("navigation", name="Admin").get_by_role("link", name="Invitations").click()
    pending = page.locator("table.list").inner_text()
    assert "yan@example.org" in pending and "xia@example.org" in pending
    assert "zoe@example.org" not in pending
