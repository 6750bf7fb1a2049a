"""Importing a mailing list: exact preview numbers, idempotence, bad files changing nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from hub import importer
from hub.extensions import db
from hub.models import AuditEntry, Invitation, Member, MemberState
from tests.support.app import login
from tests.support.import_data import build


def _members() -> int:
    return db.session.scalar(select(func.count(Member.id)))


@pytest.fixture
def export(make_member):
    data = build()
    for address in data.existing:
        make_member(email=address)
    return data


def test_preview_numbers_are_exact_for_a_realistic_export(export):
    preview = importer.read_csv(export.data, max_rows=20000)
    assert preview.counts == {
        "rows": 2000,
        "new": 1880,
        "existing": 30,
        "invalid": 50,
        "duplicates": 40,
    }
    reasons = {p.reason for p in preview.invalid}
    assert "the email is empty" in reasons and "the name is empty" in reasons
    assert any("not valid" in r for r in reasons)
    first = preview.new[0]
    assert (first.line, first.email, first.name, first.organisation) == (
        2,
        "person.0@example.org",
        "Ada Osei 0",
        "Northwind Labs",
    )
    assert first.interests == ("energy", "batteries")
    assert any(r.organisation == "Acme, Inc." for r in preview.new)  # quoted comma kept
    dup = preview.duplicates[0]
    assert dup.reason == "person.0@example.org is on line 2 already"
    assert _members() == 30  # a preview changes nothing


def test_import_twice_adds_nobody_twice(export, runner, write):
    first = runner.invoke(args=["members", "import", write(export.data)])
    assert first.exit_code == 0, first.output
    summary = "2000 rows: 1880 new members, 30 already members, 50 invalid rows, 40 rows repeated"
    assert summary in first.output
    assert "Imported 1880 new members" in first.output
    assert _members() == 1910
    zoe = db.session.scalar(select(Member).where(Member.email == "person.9@example.org"))
    assert zoe.name == "Zoë Osei 9" and zoe.state == MemberState.ACTIVE

    second = runner.invoke(args=["members", "import", write(export.data)])
    assert second.exit_code == 0, second.output
    assert "0 new members, 1910 already members" in second.output
    assert "Nothing imported." in second.output
    assert _members() == 1910
    assert db.session.scalar(select(func.count(AuditEntry.id))) == 1


def test_apply_skips_addresses_that_joined_after_the_preview(export, make_member):
    preview = importer.read_csv(export.data, max_rows=20000)
    make_member(email="person.1@example.org")  # joined between preview and import
    result = importer.apply(preview, None)
    assert result.added == 1879 and result.skipped == 31
    assert _members() == 30 + 1 + 1879


@pytest.fixture
def write(tmp_path):
    """Write bytes to a fresh CSV file and return its path."""
    paths = iter(range(100))

    def writer(data: bytes) -> str:
        path = tmp_path / f"list-{next(paths)}.csv"
        path.write_bytes(data)
        return str(path)

    return writer


HEADER = b"name,email,organisation\r\n"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("name,email,organisation\nJosé,jose@example.org,Café\n".encode("latin-1"), "not UTF-8"),
        (b"name,address,organisation\r\nAda,ada@example.org,X\r\n", "no email column"),
        (b"email\r\nada@example.org\r\n", "no name or organisation column"),
        (b"", "The file is empty"),
        (HEADER + b"Ada,ada@example.org,X\r\n" * 50_000, "more than 20,000 rows"),
        (HEADER + b'Ada,"ada@example.org,X\r\nBo,bo@example.org,Y\r\n', "not valid CSV"),
    ],
    ids=["latin-1", "no-email-column", "two-missing", "empty", "50000-rows", "open-quote"],
)
def test_malformed_files_get_a_clear_message_and_change_nothing(runner, write, data, message):
    result = runner.invoke(args=["members", "import", write(data)])
    assert result.exit_code == 1
    assert message in result.output
    assert "Nothing was imported." in result.output
    assert _members() == 0


def test_cli_can_invite_everyone(runner, outbox, write):
    data = HEADER + b"Ada Osei,ada@example.org,Northwind\r\nBo,bo@example.org,\r\n"
    result = runner.invoke(args=["members", "import", "--invite", write(data)])
    assert result.exit_code == 0, result.output
    assert "sent 2 invitations" in result.output
    assert sorted(m["To"] for m in outbox) == ["ada@example.org", "bo@example.org"]
    states = set(db.session.scalars(select(Member.state)))
    assert states == {MemberState.INVITED}
    assert db.session.scalar(select(func.count(Invitation.id))) == 2


def test_the_import_page_previews_then_imports(client, make_member, export, outbox):
    from io import BytesIO

    admin = make_member("Ana Admin", role="admin")
    login(client, admin)
    page = client.post(
        "/admin/import",
        data={"file": (BytesIO(export.data), "list.csv")},
        content_type="multipart/form-data",
    )
    assert page.status_code == 200
    html = page.data.decode()
    assert 'id="count-new">1880<' in html and 'id="count-existing">30<' in html
    assert 'id="count-invalid">50<' in html and 'id="count-duplicates">40<' in html
    assert _members() == 31
    action = html.split('action="/admin/import/', 1)[1].split('"', 1)[0]
    done = client.post(f"/admin/import/{action}", data={"invite": "yes"})
    assert done.status_code == 302
    assert _members() == 31 + 1880
    assert len(outbox) == 1880
    again = client.post(f"/admin/import/{action}")  # the preview is used up
    assert again.status_code == 400 and b"Upload the file again" in again.data
    assert _members() == 31 + 1880


def test_the_import_page_explains_a_bad_file(client, make_member):
    from io import BytesIO

    login(client, make_member(role="admin"))
    page = client.post(
        "/admin/import",
        data={"file": (BytesIO(b"Vorname,Mail\r\n"), "bad.csv")},
        content_type="multipart/form-data",
    )
    assert page.status_code == 400
    assert b"bad.csv: The file has no name or organisation column" in page.data
    assert b"Nothing was imported." in page.data


def test_semicolons_and_header_aliases_are_understood(app):
    data = b"E-Mail;Name;Organization;Title\nada@example.org;Ada Osei;Nordwind;CTO\n"
    preview = importer.read_csv(data, max_rows=10)
    assert [(r.email, r.name, r.organisation, r.title) for r in preview.new] == [
        ("ada@example.org", "Ada Osei", "Nordwind", "CTO")
    ]


def test_people_who_left_are_not_signed_up_again(app, make_member, write, runner):
    from hub.membership import anonymise

    gone = make_member("Gone Gabi", email="gabi@example.org")
    anonymise(gone, delete_posts=False)
    db.session.commit()
    data = HEADER + b"Gabi,Gabi@Example.org,X\r\nNew Nia,nia@example.org,Y\r\n"
    result = runner.invoke(args=["members", "import", write(data)])
    assert "1 new member, 0 already members, 1 invalid row," in result.output
    assert "gabi@example.org left the network" in result.output
    assert db.session.scalar(select(Member).where(Member.email == "gabi@example.org")) is None


def test_a_bom_file_in_latin_1_names_the_right_byte():
    from hub.importer import ImportFileError, read_csv

    data = b"\xef\xbb\xbfname,email,organisation\r\nLatin1 P\xe9rez,perez@example.com,Caf\xe9\r\n"
    with pytest.raises(ImportFileError, match="unreadable byte 0xe9 on line 2"):
        read_csv(data, max_rows=100)
