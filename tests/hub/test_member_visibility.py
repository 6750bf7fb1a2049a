"""Who appears where: people who have not accepted an invitation appear nowhere a member
looks (digest, directory, profiles); suspended members are hidden from members, not from
moderators and admins."""

from __future__ import annotations

import pytest

from digests import compose
from hub.clock import utcnow
from hub.extensions import db
from tests.support.app import invite_link, login


@pytest.fixture
def people(app, make_member):
    """An admin who invites Ivy (not accepted yet) and suspends Sid; Rae reads."""
    admin = make_member("Ada Admin", role="admin")
    reader = make_member("Rae Reader")
    sid = make_member("Sid Suspended", organisation="Quiet Co")
    boss = app.test_client()
    login(boss, admin)
    response = boss.post("/admin/invitations", data={"addresses": "Ivy Invited <ivy@example.org>"})
    assert response.status_code == 302
    assert boss.post(f"/admin/members/{sid.id}/suspend").status_code == 302
    from hub.members import find_member

    ivy = find_member("ivy@example.org")
    ivy.organisation = "Stealth Startup"
    db.session.commit()
    return {"admin": admin, "boss": boss, "reader": reader, "ivy": ivy, "sid": sid}


def _new_members(member) -> list[str]:
    now = utcnow()
    digest = compose.compose(member, now.replace(year=now.year - 1), now, seed=0)
    return [m.name for m in digest.joined]


def test_the_digest_names_only_people_who_accepted(app, outbox, people):
    reader = people["reader"]
    assert "Ivy Invited" not in _new_members(reader)
    preview = people["boss"].get("/digests/preview").data.decode()
    assert "Ivy Invited" not in preview and "Stealth Startup" not in preview
    assert "Sid Suspended" not in _new_members(reader)

    ivy = app.test_client()
    assert ivy.post(invite_link(outbox[-1]), data={"name": "Ivy Invited"}).status_code == 302
    assert "Ivy Invited" in _new_members(reader)


def test_the_digest_does_not_list_a_newcomer_who_left_again(app, make_member):
    from hub.my_data import leave

    make_member("Stay Here")
    left = make_member("Gone Again")
    leave(left, delete_posts=True)
    reader = make_member("Rae Reader")
    names = _new_members(reader)
    assert "Stay Here" in names
    assert "Former member" not in names and "Gone Again" not in names


def test_profiles_of_invited_and_suspended_people_are_not_shown_to_members(app, people):
    rae = app.test_client()
    login(rae, people["reader"])
    for who in ("ivy", "sid"):
        page = rae.get(f"/members/{people[who].id}")
        assert page.status_code == 404, who
        assert people[who].name.encode() not in page.data
    assert rae.get(f"/members/{people['admin'].id}").status_code == 200


def test_admins_still_see_invited_and_suspended_profiles(people):
    boss = people["boss"]
    ivy = boss.get(f"/members/{people['ivy'].id}")
    assert ivy.status_code == 200 and b"Ivy Invited" in ivy.data and b"invited" in ivy.data
    sid = boss.get(f"/members/{people['sid'].id}")
    assert sid.status_code == 200 and b"suspended" in sid.data


def test_moderators_see_a_suspended_authors_profile_from_the_flagged_post(
    app, people, make_member, make_post
):
    """A suspended member's updates stay on the board; a moderator judging a flag on one
    follows the author's name to see who wrote it and what else; members still get 404."""
    sam = make_member("Sam Seller")
    post = make_post(sam, "Cheap watches, write to me")
    assert people["boss"].post(f"/admin/members/{sam.id}/suspend").status_code == 302
    flagger = app.test_client()
    login(flagger, people["reader"])
    assert flagger.post(f"/posts/{post.id}/flag", data={"reason": "spam"}).status_code == 302
    mod = app.test_client()
    login(mod, make_member("Mo Moderator", role="moderator"))
    queue = mod.get("/moderation").data.decode()
    profile_url = f"/members/{sam.id}"
    assert "Cheap watches" in queue and f'href="{profile_url}"' in queue
    page = mod.get(profile_url)
    assert page.status_code == 200
    assert b"Sam Seller" in page.data and b"suspended" in page.data
    assert b"Cheap watches" in page.data
    assert mod.get(f"/members/{people['ivy'].id}").status_code == 404  # nothing to moderate
    assert flagger.get(profile_url).status_code == 404


def test_the_directory_shows_neither_them_nor_their_organisations(app, people):
    rae = app.test_client()
    login(rae, people["reader"])
    page = rae.get("/members").data.decode()
    assert "Rae Reader" in page
    for hidden in ("Ivy Invited", "Stealth Startup", "Sid Suspended", "Quiet Co"):
        assert hidden not in page, hidden
    assert "Ivy Invited" not in rae.get("/members?name=ivy").data.decode()


def test_a_former_members_kept_updates_still_link_to_an_anonymous_profile(app, make_member):
    from hub.membership import FORMER_NAME
    from hub.my_data import leave
    from hub.posts import create_post

    gone = make_member("Gone Person", organisation="Old Org")
    create_post(gone, "An update worth keeping")
    leave(gone, delete_posts=False)
    rae_member = make_member("Rae Reader")
    rae = app.test_client()
    login(rae, rae_member)
    page = rae.get(f"/members/{gone.id}")
    assert page.status_code == 200
    assert FORMER_NAME.encode() in page.data and b"Gone Person" not in page.data
    assert b"Old Org" not in page.data
