"""The ``hub`` command line."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from hub.clock import utcnow
from hub.extensions import db
from hub.models import Member, Post
from wiring.cli import main


def test_members_add_prints_a_login_link(runner):
    result = runner.invoke(
        args=["members", "add", "Root@Example.org", "--name", "Root", "--role", "admin"]
    )
    assert result.exit_code == 0, result.output
    assert "Added Root <root@example.org> as admin." in result.output
    assert "http://hub.test/login/" in result.output
    assert db.session.scalar(select(Member)).is_admin


def test_members_add_rejects_bad_input_clearly(runner, make_member):
    make_member(email="dup@example.org")
    result = runner.invoke(args=["members", "add", "dup@example.org", "--name", "Dup"])
    assert result.exit_code == 1
    assert "already a member" in result.output
    result = runner.invoke(args=["members", "add", "nonsense", "--name", "X"])
    assert result.exit_code == 1 and "not valid" in result.output
    result = runner.invoke(
        args=["members", "add", "a@example.org", "--name", "X", "--role", "king"]
    )
    assert result.exit_code == 2 and "king" in result.output


def test_demo_seeds_once(runner):
    first = runner.invoke(args=["demo"])
    assert first.exit_code == 0, first.output
    assert "Demo network seeded." in first.output
    members = db.session.scalar(select(func.count(Member.id)))
    posts = db.session.scalar(select(func.count(Post.id)))
    orgs = db.session.scalar(select(func.count(func.distinct(Member.organisation))))
    assert members >= 20 and orgs >= 4
    span = db.session.execute(select(func.min(Post.created_at), func.max(Post.created_at))).one()
    assert (span[1] - span[0]).days >= 14
    assert db.session.scalar(select(func.count(Post.id)).where(Post.parent_id.is_not(None))) > 0
    from digests.notify import send_due_notices

    assert send_due_notices(now=utcnow() + timedelta(hours=1)) == 0  # history, not news
    second = runner.invoke(args=["demo"])
    assert "already present" in second.output
    assert db.session.scalar(select(func.count(Member.id))) == members
    assert db.session.scalar(select(func.count(Post.id))) == posts


def test_demo_in_german_is_a_german_speaking_network(runner, client):
    from tests.support.app import login

    result = runner.invoke(args=["demo", "--locale", "de"])
    assert result.exit_code == 0, result.output
    members = db.session.scalars(select(Member)).all()
    assert len(members) >= 12 and {m.locale for m in members} == {"de"}
    assert len({m.organisation for m in members}) >= 5
    assert "Fördewerk Kiel" in {m.organisation for m in members}
    bodies = db.session.scalars(select(Post.body).where(Post.parent_id.is_(None))).all()
    assert any("Förderantrag" in body for body in bodies)
    admin = next(m for m in members if m.is_admin)
    login(client, admin)
    board = client.get("/").text
    assert "Woran arbeitest du?" in board and "Neueste Updates" in board
    assert runner.invoke(args=["demo", "--locale", "fr"]).exit_code == 2


def test_help_lists_commands():
    from click.testing import CliRunner

    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0
    for command in ("members", "demo", "smtpd", "scheduler", "db"):
        assert command in result.output
