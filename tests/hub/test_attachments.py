"""Pictures are served to exactly those who may read the post they came with."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from hub.models import PostAttachment
from tests.support.app import login

PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5f0000000049454e44ae426082"
)


@dataclass
class Picture:
    filename: str = "sketch.png"
    content_type: str = "image/png"
    data: bytes = PNG


@pytest.fixture
def thread(make_member, make_post):
    """Ann's update, Bea's reply to it with a picture; Carl reads; Mo moderates."""
    people = {
        "ann": make_member("Ann Author"),
        "bea": make_member("Bea Replier"),
        "carl": make_member("Carl Reader"),
        "mo": make_member("Mo Moderator", role="moderator"),
    }
    update = make_post(people["ann"], "Prototype ready")
    reply = make_post(people["bea"], "Here is my sketch", parent=update, images=[Picture()])
    [picture] = reply.attachments
    return people, update, reply, picture


def _status(app, member, picture: PostAttachment) -> int:
    client = app.test_client()
    login(client, member)
    response = client.get(f"/images/{picture.id}")
    if response.status_code == 200:
        assert response.data == PNG and response.mimetype == "image/png"
    return response.status_code


def _moderate(app, moderator, post, decision: str) -> None:
    client = app.test_client()
    login(client, moderator)
    response = client.post(f"/moderation/posts/{post.id}", data={"decision": decision})
    assert response.status_code == 302


def test_everyone_sees_a_picture_in_a_visible_thread(app, thread):
    people, _, _, picture = thread
    assert {name: _status(app, m, picture) for name, m in people.items()} == {
        "ann": 200,
        "bea": 200,
        "carl": 200,
        "mo": 200,
    }


def test_a_picture_in_a_hidden_thread_is_served_to_whoever_may_see_the_thread(app, thread):
    people, update, _, picture = thread
    _moderate(app, people["mo"], update, "hide")
    carl = app.test_client()
    login(carl, people["carl"])
    assert carl.get(f"/posts/{update.id}").status_code == 404  # the thread is hidden from him
    assert {name: _status(app, m, picture) for name, m in people.items()} == {
        "ann": 200,  # the update's author still sees her thread
        "bea": 404,  # the thread is hidden from her as from any member
        "carl": 404,
        "mo": 200,
    }


def test_a_hidden_reply_shows_its_picture_to_its_author_and_moderators(app, thread):
    people, _, reply, picture = thread
    _moderate(app, people["mo"], reply, "hide")
    assert {name: _status(app, m, picture) for name, m in people.items()} == {
        "ann": 404,
        "bea": 200,
        "carl": 404,
        "mo": 200,
    }


def test_a_picture_in_a_deleted_thread_is_gone(app, thread):
    people, update, _, picture = thread
    ann = app.test_client()
    login(ann, people["ann"])
    assert ann.post(f"/posts/{update.id}/delete").status_code == 302
    assert {name: _status(app, m, picture) for name, m in people.items()} == {
        "ann": 404,
        "bea": 404,
        "carl": 404,
        "mo": 404,
    }
