"""Profile pictures: uploaded on the member's own page, made small and square and stripped
of metadata on the server, bounded against decompression bombs; initials when there is none."""

from __future__ import annotations

import io
import re
import struct
import zlib

import pytest
from PIL import Image

from hub.extensions import db
from hub.models import MemberPicture
from tests.support.app import login


def _photo(width: int = 1200, height: int = 800, fmt: str = "JPEG", **save) -> bytes:
    image = Image.new("RGB", (width, height), (200, 30, 30))
    image.paste((30, 30, 200), (width // 2, 0, width, height))  # two halves, to see the crop
    out = io.BytesIO()
    image.save(out, fmt, **save)
    return out.getvalue()


def _with_gps_exif() -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0110] = "Phone 12"  # Model
    exif[0x0112] = 6  # Orientation: rotate 90 degrees to show upright
    gps = {1: "N", 2: (52.0, 31.0, 12.0), 3: "E", 4: (13.0, 24.0, 36.0)}
    exif[0x8825] = gps
    return _photo(1200, 800, exif=exif.tobytes())


def _upload(client, data: bytes, name: str = "me.jpg"):
    from werkzeug.datastructures import FileStorage
    from werkzeug.test import stream_encode_multipart

    # Encoded in memory: werkzeug spools a body over 500 KB to a file it never closes.
    stream, length, boundary = stream_encode_multipart(
        {"picture": FileStorage(io.BytesIO(data), filename=name)}, use_tempfile=False
    )
    return client.post(
        "/members/me/picture",
        data=stream.getvalue(),
        content_type=f"multipart/form-data; boundary={boundary}",
    )


@pytest.fixture
def ada(client, make_member):
    member = make_member("Ada Lovelace", organisation="Engines")
    login(client, member)
    return member


def test_an_upload_is_resized_square_upright_and_without_metadata(client, ada, make_post):
    original = _with_gps_exif()
    assert b"PhoneMaker" in original
    response = _upload(client, original)
    assert response.status_code == 302
    db.session.refresh(ada)
    stored = db.session.get(MemberPicture, ada.id).data
    assert b"PhoneMaker" not in stored and b"Exif" not in stored
    image = Image.open(io.BytesIO(stored))
    assert (image.format, image.size) == ("JPEG", (256, 256))
    assert not image.getexif() and "icc_profile" not in image.info
    # rotated upright by the orientation tag: the red half is now on top
    top, bottom = image.getpixel((128, 10)), image.getpixel((128, 245))
    assert top[0] > 150 and bottom[2] > 150

    make_post(ada, "Engine notes")
    board = client.get("/").get_data(as_text=True)
    src = re.search(r'<img class="avatar" src="([^"]+)" width="32" height="32" alt=""', board)
    assert src, board
    served = client.get(src.group(1))
    assert served.status_code == 200 and served.mimetype == "image/jpeg"
    assert served.data == stored
    directory = client.get("/members").get_data(as_text=True)
    assert 'width="40" height="40"' in directory and src.group(1) in directory


def test_without_a_picture_initials_are_shown(client, ada, make_member, make_post):
    make_post(make_member("Grace Brewster Hopper"), "Compilers")
    board = client.get("/").get_data(as_text=True)
    assert '<span class="avatar initials avatar-32" aria-hidden="true">GH</span>' in board
    assert '<img class="avatar"' not in board
    assert client.get(f"/members/{ada.id}/picture.jpg").status_code == 404


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"GIF89a not really", "x.gif", "not a picture Hub can read"),
        (b"%PDF-1.7 a document", "cv.pdf", "not a picture Hub can read"),
        (_photo(100, 100, fmt="BMP"), "x.bmp", "use JPEG, PNG, GIF or WebP"),
        (_photo()[:2000], "cut.jpg", "could not be read to the end"),
        (b"", "empty.jpg", "Choose a picture file."),
    ],
    ids=["fake-gif", "pdf", "bmp", "truncated", "empty"],
)
def test_files_that_are_no_picture_are_refused_with_a_reason(client, ada, data, name, message):
    response = _upload(client, data, name)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    db.session.refresh(ada)
    assert ada.picture_version is None and db.session.get(MemberPicture, ada.id) is None


def _png_bomb(width: int, height: int) -> bytes:
    """A valid PNG header claiming ``width`` x ``height``, with a tiny compressed body: the
    shape of a decompression bomb (its pixels would take gigabytes)."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    body = zlib.compress(b"\x00" * 1024)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", body) + chunk(b"IEND", b"")
    )


def test_a_decompression_bomb_is_refused_before_it_is_decoded(client, ada):
    bomb = _png_bomb(50_000, 50_000)  # 2.5 billion pixels in a file of about 100 bytes
    assert len(bomb) < 200
    response = _upload(client, bomb, "bomb.png")
    assert response.status_code == 400
    assert "at most 40 million pixels are taken" in response.get_data(as_text=True)


def test_a_picture_just_over_the_pixel_limit_is_refused_by_its_header(client, ada):
    response = _upload(client, _png_bomb(8001, 5000), "large.png")
    assert response.status_code == 400
    assert "That picture is 8001 x 5000 pixels; at most 40 million" in response.get_data(
        as_text=True
    )


def test_a_file_over_the_size_limit_is_refused(client, ada):
    from hub.pictures import MAX_BYTES

    big = _photo(100, 100) + b"\x00" * (MAX_BYTES + 16 * 1024 - 10_000)  # under the request limit
    assert len(big) > MAX_BYTES
    response = _upload(client, big)
    assert response.status_code == 400
    assert "That file is over 1.9 MB, the most a picture may have." in response.get_data(
        as_text=True
    )
    db.session.refresh(ada)
    assert ada.picture_version is None


def test_transparent_png_and_removal(client, ada):
    logo = Image.new("RGBA", (300, 300), (0, 0, 0, 0))
    out = io.BytesIO()
    logo.save(out, "PNG")
    assert _upload(client, out.getvalue(), "logo.png").status_code == 302
    stored = Image.open(io.BytesIO(db.session.get(MemberPicture, ada.id).data))
    assert stored.getpixel((5, 5)) > (240, 240, 240)  # transparency became white, not black
    page = client.get("/members/me/picture").get_data(as_text=True)
    assert "Remove my picture" in page
    assert client.post("/members/me/picture/remove").status_code == 302
    db.session.refresh(ada)
    assert ada.picture_version is None and db.session.get(MemberPicture, ada.id) is None


def test_leaving_deletes_the_picture(client, ada):
    from hub.my_data import leave

    _upload(client, _photo())
    leave(ada, delete_posts=True)
    assert db.session.get(MemberPicture, ada.id) is None
