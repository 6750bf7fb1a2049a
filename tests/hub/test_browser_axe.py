"""Every page, in every state a person meets it, audited by axe-core in a real Chromium.

One server and one browser page walk the pages as the people who see them: a visitor, a
member on an empty board and then on a full one, a moderator, an admin, and a member who
reads Hub in German. Each page is audited at 1280 px and 390 px wide, in the light and the
dark colour scheme, without reloading it (a form's errors stay on the page). A violation of
impact "serious" or "critical" fails the test; the others are printed, and those that stay
are listed in ``ALLOWED`` with the reason they stay.

In the light scheme axe-core runs all of its rules. The dark scheme changes colours only
(custom properties in one ``prefers-color-scheme`` block of hub.css), so there it runs the
rules about colour; the test checks that the page did turn dark.

axe-core's JavaScript comes inside the ``axe-playwright-python`` package: nothing is
fetched while the test runs.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import pytest
from axe_playwright_python.base import AXE_SCRIPT
from PIL import Image

from digests.runs import send_digests
from hub.clock import utcnow
from hub.extensions import db
from hub.flags import flag_post
from hub.invitations import invite, open_invitation
from hub.join_requests import submit as submit_join_request
from hub.login_links import login_link_for
from hub.members import create_member, update_profile
from hub.models import Member, MemberState
from hub.pictures import set_picture
from mailer.addresses import reply_address
from mailer.ingest import receive
from mailer.verp import unsubscribe_token
from tests.support.mailhelpers import message

pytestmark = [pytest.mark.browser, pytest.mark.slow]

WIDTHS = (1280, 390)
SCHEMES = ("light", "dark")
FAILING = {"serious", "critical"}
COLOUR_RULES = ["color-contrast", "link-in-text-block"]

# Rules whose minor or moderate findings stay, each with the reason it stays.
ALLOWED: dict[str, str] = {}


@pytest.fixture
def app_config() -> dict:
    return {
        # Mail lands in the on-disk outbox, so the admin's outbox has messages to show.
        "HUB_MAIL_BACKEND": "outbox",
        # Mail from a trusted authentication server that fails its checks is held.
        "HUB_TRUSTED_AUTHSERV_IDS": "mx.hub.example.net",
        "HUB_JOIN_REQUESTS": True,
        # Short pages: every kind of post and the pager, in fewer nodes to audit.
        "HUB_PAGE_SIZE": 6,
    }


@dataclass
class Picture:
    filename: str
    content_type: str
    data: bytes


def _png(width: int = 320, height: int = 200) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (90, 140, 170)).save(out, "PNG")
    return out.getvalue()


@dataclass
class Visit:
    """One page in one state: who looks, and how they get there (a path, or steps)."""

    name: str
    who: str
    go: str | Callable[..., None]


class Walk:
    """A browser page that logs in as whoever is next and audits what it shows."""

    def __init__(self, page, base_url: str, people: dict[str, Member]) -> None:
        self.page, self.base_url, self.people = page, base_url, people
        self.current: str | None = None
        self.failures: list[str] = []
        self.others: list[str] = []
        self.audits = 0

    def become(self, who: str) -> None:
        if who == self.current:
            return
        self.page.context.clear_cookies()
        if who != "visitor":
            self.page.goto(login_link_for(self.people[who]))
            self.page.locator("main").get_by_role("button").click()
            assert self.page.url == self.base_url + "/", self.page.url
        self.current = who

    def visit(self, visit: Visit) -> None:
        self.become(visit.who)
        if isinstance(visit.go, str):
            self.page.goto(self.base_url + visit.go)
        else:
            visit.go(self.page, self.base_url)
        self.page.wait_for_load_state()
        self.page.evaluate(AXE_SCRIPT)
        for width in WIDTHS:
            self.page.set_viewport_size({"width": width, "height": 900})
            for scheme in SCHEMES:
                self.page.emulate_media(color_scheme=scheme)
                self.audit(f"{visit.name} [{width} px, {scheme}]", scheme)

    def audit(self, where: str, scheme: str) -> None:
        options: dict = {"resultTypes": ["violations", "incomplete"]}
        if scheme == "dark":
            options["runOnly"] = {"type": "rule", "values": COLOUR_RULES}
            paper = self.page.evaluate("getComputedStyle(document.documentElement).backgroundColor")
            assert paper == "rgb(20, 20, 19)", f"{where}: the page is not dark ({paper})"
        found = self.page.evaluate("options => axe.run(document, options)", options)
        self.audits += 1
        for violation in found["violations"]:
            line = f"{where}: {violation['id']} ({violation['impact']}) {violation['help']}"
            line += "".join(f"\n    {_node(node)}" for node in violation["nodes"][:4])
            if violation["impact"] in FAILING:
                self.failures.append(line)
            elif violation["id"] not in ALLOWED:
                self.others.append(line)
        # axe-core leaves text of the very colour of its background to a person to review
        # (it may be hidden on purpose); here it never is, so such text fails too.
        for unsure in found["incomplete"]:
            for node in unsure["nodes"]:
                if unsure["id"] == "color-contrast" and "1:1" in _node(node):
                    self.failures.append(f"{where}: invisible text\n    {_node(node)}")


def _node(node: dict) -> str:
    """Where an element is and what axe-core says of it."""
    target = " ".join(map(str, node["target"]))
    messages = "; ".join(
        check["message"] for kind in ("any", "all", "none") for check in node[kind]
    )
    return f"{target}: {messages}"


def _submit(
    path: str, fields: dict[str, str], button: str, *, error: bool = True
) -> Callable[..., None]:
    """Steps: open ``path``, fill ``fields`` by their labels, press ``button``; the page
    that answers shows an error, unless ``error=False``."""

    def go(page, base_url: str) -> None:
        page.goto(base_url + path)
        main = page.locator("main")
        for label, value in fields.items():
            main.get_by_label(label).first.fill(value)
        main.get_by_role("button", name=button, exact=True).first.click()
        page.wait_for_load_state()
        assert main.locator(".error[role=alert]").count() == (1 if error else 0), page.url

    return go


def _click(path: str, link: str) -> Callable[..., None]:
    """Steps: open ``path`` and follow the first link in the page's main part named ``link``."""

    def go(page, base_url: str) -> None:
        page.goto(base_url + path)
        page.locator("main").get_by_role("link", name=link).first.click()

    return go


def _people(make_member) -> dict[str, Member]:
    people = {
        "member": make_member("Ann Archer", organisation="Alpha Labs", title="Engineer"),
        "bob": make_member("Bob Brandt", organisation="Beta Works", location="Kiel"),
        "moderator": make_member("Mo Derator", role="moderator"),
        "admin": make_member("Ada Admin", role="admin", email="ada@example.org"),
        "german": make_member("Jana Jung", organisation="Fördewerk Kiel", locale="de"),
    }
    bob = {"name": "Bob Brandt", "organisation": "Beta Works", "interests": "kilns, sensors"}
    update_profile(people["bob"], {**bob, "bio": "Builds kilns.", "links": "https://bob.example"})
    set_picture(people["bob"], _png(200, 200))
    return people


def _seed(people: dict[str, Member], make_member, make_post) -> dict[str, object]:
    """A network with a past: updates, replies, a picture, a flag, held mail, requests."""
    now = utcnow()
    ann, bob, mod, ada = (people[k] for k in ("member", "bob", "moderator", "admin"))
    posts = [
        make_post(
            (ann, bob, mod)[day % 3],
            f"Day {day}: testing the **kiln controller** with a new `thermocouple`; notes at "
            "https://example.org/kiln and a list:\n\n- one\n- two",
            now=now - timedelta(days=day, hours=2),
        )
        for day in range(14)
    ]
    pictured = make_post(
        bob, "The bench, as it stands.", images=[Picture("b.png", "image/png", _png())], now=now
    )
    for n, author in enumerate((ann, mod, ada), start=1):
        make_post(author, f"Reply {n}: good work on the kiln.", parent=pictured, now=now)
    flagged = make_post(bob, "Buy cheap watches here!", now=now - timedelta(minutes=5))
    flag_post(ann, flagged, "Looks like spam")
    make_member("Zoë Müller", organisation="Zander Bikes", title="Founder")
    invite(ada, "yan@example.org", "Yan Yu", organisation="Yu Studio")
    invitee = create_member("wu@example.org", "Wu Wei", state=MemberState.INVITED)
    _, invitation_token = open_invitation(invitee, ada, now)
    submit_join_request({"name": "Xia Xu", "email": "xia@example.org", "organisation": "Xu"})
    to = reply_address(bob, posts[0])
    raw = bytes(message("mallory@evil.example", to, "Spoofed words"))
    receive(raw, mail_from="mallory@evil.example", recipients=[to])
    db.session.commit()
    send_digests(now=now, manual=True)
    return {
        "post": pictured.id,
        "invitation": invitation_token,
        "unsubscribe": unsubscribe_token(ann, "digest"),
    }


def test_every_page_passes_axe_in_light_and_dark_at_both_widths(
    live_server, page, make_member, make_post, capsys
):
    people = _people(make_member)
    walk = Walk(page, live_server, people)
    login = "Email me a login link"
    join = "Send my request"
    for visit in [
        Visit("login", "visitor", "/login"),
        Visit("login, bad address", "visitor", _submit("/login", {"Email address": "a@b"}, login)),
        Visit(
            "link sent",
            "visitor",
            _submit("/login", {"Email address": "a@example.org"}, login, error=False),
        ),
        Visit("login link opened", "visitor", lambda p, _: p.goto(login_link_for(people["bob"]))),
        Visit("join", "visitor", "/join"),
        Visit(
            "join, errors",
            "visitor",
            _submit("/join", {"Your name": " ", "email": "x@e.org"}, join),
        ),
        Visit(
            "join sent",
            "visitor",
            _submit("/join", {"Your name": "Xi", "email": "x@e.org"}, join, error=False),
        ),
        Visit("help, logged out", "visitor", "/help"),
        Visit("privacy", "visitor", "/privacy"),
        Visit("404, logged out", "visitor", "/no/such/page"),
        Visit("login in German", "visitor", "/language/de?next=/login"),
        Visit("empty board", "member", "/"),
    ]:
        walk.visit(visit)

    seeded = _seed(people, make_member, make_post)
    post, bob = seeded["post"], people["bob"].id
    for visit in [
        Visit("invitation", "visitor", f"/invite/{seeded['invitation']}"),
        Visit("invitation, invalid", "visitor", "/invite/not-a-token"),
        Visit("unsubscribe", "visitor", f"/unsubscribe/{seeded['unsubscribe']}"),
        Visit("full board", "member", "/"),
        Visit("board, older", "member", _click("/", "Older updates")),
        Visit("thread", "member", f"/posts/{post}"),
        Visit("empty update", "member", _submit("/", {"Your update": "   "}, "Post update")),
        Visit("edit an update", "member", f"/posts/{post - 5}/edit"),
        Visit("delete an update", "member", f"/posts/{post - 5}/delete"),
        Visit("flag an update", "member", f"/posts/{post}/flag"),
        Visit("directory", "member", "/members"),
        Visit("directory, filter", "member", "/members?interest=kilns"),
        Visit("directory, no match", "member", "/members?name=Nobody"),
        Visit("profile", "member", f"/members/{bob}"),
        Visit("own profile", "member", f"/members/{people['member'].id}"),
        Visit("edit profile", "member", "/members/me/edit"),
        Visit(
            "profile, errors", "member", _submit("/members/me/edit", {"Name": " "}, "Save profile")
        ),
        Visit("settings", "member", "/settings"),
        Visit("digests", "member", "/digests"),
        Visit("a digest", "member", _click("/digests", "Digest of")),
        Visit("digest preview", "member", "/digests/preview"),
        Visit("search", "member", "/search?q=kiln"),
        Visit("search, people", "member", "/search?q=Muller"),
        Visit("search, nothing", "member", "/search?q=zzzzqqq"),
        Visit("help", "member", "/help"),
        Visit("my data", "member", "/me/data"),
        Visit("leave", "member", "/me/leave"),
        Visit("403", "member", "/admin"),
        Visit("404", "member", "/posts/999999"),
        Visit("picture, set", "bob", "/members/me/picture"),
        Visit("moderation queue", "moderator", "/moderation"),
        Visit("held mail", "moderator", "/moderation/mail"),
        Visit("audit log", "moderator", "/moderation/audit?action=post.flag"),
        Visit("admin overview", "admin", "/admin"),
        Visit("admin members", "admin", "/admin/members"),
        Visit("admin one member", "admin", f"/admin/members/{bob}"),
        Visit("admin remove", "admin", f"/admin/members/{bob}/remove"),
        Visit("admin invitations", "admin", "/admin/invitations"),
        Visit(
            "admin invitations, errors",
            "admin",
            _submit("/admin/invitations", {"Addresses": "not-an-address"}, "Send invitations"),
        ),
        Visit("admin join requests", "admin", "/admin/join-requests"),
        Visit("admin import", "admin", "/admin/import"),
        Visit("admin settings", "admin", "/admin/settings"),
        Visit("admin outbox", "admin", "/admin/outbox"),
        Visit("admin outbox message", "admin", _click("/admin/outbox", "You are invited")),
        Visit("German board", "german", "/"),
        Visit("German thread", "german", f"/posts/{post}"),
        Visit("German directory", "german", "/members?interest=kilns"),
        Visit("German settings", "german", "/settings"),
        Visit("German search", "german", "/search?q=kiln"),
        Visit(
            "German profile, errors",
            "german",
            _submit("/members/me/edit", {"Name": " "}, "Profil speichern"),
        ),
        Visit("German 403", "german", "/moderation"),
        Visit("German 404", "german", "/posts/999999"),
    ]:
        walk.visit(visit)

    with capsys.disabled():
        print(f"\naxe-core: {walk.audits} audits; {len(walk.others)} minor or moderate findings")
        for line in walk.others:
            print(line)
    assert walk.failures == [], "\n".join(walk.failures)
