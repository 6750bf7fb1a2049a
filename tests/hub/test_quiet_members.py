"""Who has gone quiet: "last posted" in the admins' member list and export, a "not posted
for N weeks" filter, and the CSV export with semicolons for German spreadsheets."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, timedelta
from zoneinfo import ZoneInfo

import pytest

from hub.clock import utcnow
from hub.extensions import db
from tests.support.app import login

BERLIN = ZoneInfo("Europe/Berlin")  # HUB_DEFAULT_TIMEZONE in tests/support/app.py


@pytest.fixture
def network(client, make_member, make_post):
    now = utcnow()
    admin = make_member("Ana Admin", role="admin")
    busy = make_member("Bo Busy", organisation="Beta; Partner")
    quiet = make_member("Cy Quiet", organisation="Zoë & Co")
    never = make_member("Dee Never")
    newcomer = make_member("Eve New")
    for m in (admin, busy, quiet, never):
        m.joined_at = now - timedelta(weeks=20)
    newcomer.joined_at = now - timedelta(days=3)
    db.session.commit()
    make_post(busy, "This week's news", now=now - timedelta(days=2))
    make_post(quiet, "Long ago", now=now - timedelta(weeks=10))
    gone = make_post(quiet, "Deleted later", now=now - timedelta(days=1))
    gone.deleted_at = now
    db.session.commit()
    login(client, admin)
    return {"busy": busy, "quiet": quiet, "never": never, "newcomer": newcomer}


def _names(html: str) -> list[str]:
    return re.findall(r'<td><a href="/admin/members/\d+">([^<]+)</a></td>', html)


def _last_posted(html: str, name: str) -> str:
    row = html.split(f">{name}</a></td>", 1)[1].split("</tr>", 1)[0]
    return re.sub(r"<[^>]+>", "", row.split('class="last-posted">', 1)[1]).strip()


def test_the_list_shows_when_each_last_posted(client, network):
    html = client.get("/admin/members").get_data(as_text=True)
    assert "Last posted" in html
    # the day as the admin reads it: in the network's zone (Berlin), not in UTC
    posted = (utcnow() - timedelta(weeks=10)).replace(tzinfo=UTC).astimezone(BERLIN)
    ten_weeks = f"{posted.day} {posted:%B %Y}"
    assert _last_posted(html, "Cy Quiet") == ten_weeks  # the deleted post does not count
    assert _last_posted(html, "Dee Never") == "never"


def test_sorting_by_last_posted_both_ways(client, network):
    up = client.get("/admin/members?sort=last_posted").get_data(as_text=True)
    assert _names(up) == ["Ana Admin", "Dee Never", "Eve New", "Cy Quiet", "Bo Busy"]
    assert 'aria-sort="ascending"' in up
    assert 'href="/admin/members?q=&amp;state=&amp;quiet=&amp;sort=-last_posted"' in up
    down = client.get("/admin/members?sort=-last_posted").get_data(as_text=True)
    assert _names(down)[:2] == ["Bo Busy", "Cy Quiet"]
    assert 'aria-sort="descending"' in down


def test_not_posted_for_n_weeks(client, network):
    html = client.get("/admin/members?quiet=6").get_data(as_text=True)
    # the newcomer has not been here six weeks; Bo posted this week
    assert _names(html) == ["Ana Admin", "Cy Quiet", "Dee Never"]
    assert 'value="6"' in html
    assert _names(client.get("/admin/members?quiet=12").get_data(as_text=True)) == [
        "Ana Admin",
        "Dee Never",
    ]


@pytest.mark.parametrize("weeks", ["six", "0", "-3", "99999"])
def test_weeks_that_do_not_read_are_explained_and_kept(client, network, weeks):
    response = client.get(f"/admin/members?quiet={weeks}")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Give the weeks as a whole number from 1 to 520." in html
    assert f'value="{weeks}"' in html


def test_members_never_see_the_column_or_the_filter(app, network, make_member):
    member = app.test_client()
    login(member, make_member("Fay Member"))
    assert member.get("/admin/members?sort=last_posted").status_code == 403
    directory = member.get("/members").get_data(as_text=True)
    assert "Last posted" not in directory and "never" not in directory


def _export(client, query: str = "") -> tuple[bytes, list[list[str]], str]:
    response = client.get(f"/admin/members/export.csv{query}")
    assert response.status_code == 200
    data = response.data
    delimiter = ";" if "sep=semicolon" in query else ","
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=delimiter))
    return data, rows, response.headers["Content-Type"]


def test_export_has_last_posted_and_follows_the_filter(client, network):
    _, rows, kind = _export(client, "?quiet=6&sort=last_posted")
    assert kind.startswith("text/csv")
    header, *body = rows
    assert header[-1] == "last_posted"
    by_name = {row[0]: row for row in body}
    assert sorted(by_name) == ["Ana Admin", "Cy Quiet", "Dee Never"]
    assert by_name["Dee Never"][-1] == ""
    assert by_name["Cy Quiet"][-1] == (utcnow() - timedelta(weeks=10)).date().isoformat()


def test_semicolon_export_for_german_spreadsheets(client, network):
    data, rows, _ = _export(client, "?sep=semicolon")
    assert data.startswith(b"\xef\xbb\xbf")  # the BOM: Excel reads UTF-8, not Windows-1252
    first_line = data.decode("utf-8-sig").split("\r\n", 1)[0]
    assert first_line == ("name;email;organisation;title;interests;role;state;joined;last_posted")
    assert '"Beta; Partner"' in data.decode("utf-8-sig")  # a semicolon in a cell is quoted
    by_name = {row[0]: row for row in rows[1:]}
    assert by_name["Bo Busy"][2] == "Beta; Partner"
    assert by_name["Cy Quiet"][2] == "Zoë & Co"
    html = client.get("/admin/members").get_data(as_text=True)
    assert "Export as CSV with semicolons" in html


def test_comma_export_is_still_the_default(client, network):
    data, rows, _ = _export(client)
    assert data.startswith(b"\xef\xbb\xbfname,email,")
    assert len(rows) == 6
