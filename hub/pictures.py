"""Profile pictures: checked, made small and square, and stripped of metadata on the server.

Nothing of the uploaded file is kept: Hub decodes it (JPEG, PNG, GIF or WebP only), turns
it upright by its EXIF orientation, crops it square, scales it to ``SIZE`` pixels and
draws it onto a fresh image, which is saved as JPEG. So no EXIF (camera, GPS position,
time), ICC or XMP data, and no hidden payload of the original, ever reaches other members.

Bounds before any decoding, against decompression bombs (a small file that unpacks into
gigabytes): at most ``MAX_BYTES`` of file, and at most ``MAX_PIXELS`` pixels by the size
the file's header declares, checked before its pixels are read.
"""

from __future__ import annotations

import io
import secrets
import warnings

from flask_babel import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from hub.clock import utcnow
from hub.errors import ValidationError
from hub.extensions import db
from hub.models import Member, MemberPicture

SIZE = 256
MAX_BYTES = 2 * 1024 * 1024 - 64 * 1024  # the request limit, less room for the form
MAX_PIXELS = 40_000_000  # 8000 x 5000; a phone's 48 MP photo is 8000 x 6000 at most
FORMATS = ("JPEG", "PNG", "GIF", "WEBP")


class PictureError(ValidationError):
    """An upload that cannot be a profile picture; the message says why."""


def process(data: bytes) -> bytes:
    """The upload as a ``SIZE`` x ``SIZE`` JPEG without metadata; ``PictureError`` if not."""
    if not data:
        raise PictureError(_("Choose a picture file."), field="picture")
    if len(data) > MAX_BYTES:
        raise PictureError(
            _(
                "That file is over %(size)s MB, the most a picture may have.",
                size=round(MAX_BYTES / 1024 / 1024, 1),
            ),
            field="picture",
        )
    try:
        with warnings.catch_warnings():  # Pillow's own bomb check, stricter than its default
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=FORMATS)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _too_many_pixels(None) from None
    except (UnidentifiedImageError, OSError, ValueError):
        raise PictureError(
            _("That file is not a picture Hub can read: use JPEG, PNG, GIF or WebP."),
            field="picture",
        ) from None
    width, height = image.size
    if width * height > MAX_PIXELS or width < 1 or height < 1:
        raise _too_many_pixels((width, height))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image.draft("RGB", (SIZE * 2, SIZE * 2))  # JPEG: decode at a reduced scale
            image = ImageOps.exif_transpose(image)
            square = ImageOps.fit(_on_white(image), (SIZE, SIZE), Image.Resampling.LANCZOS)
    except (
        OSError,
        ValueError,
        SyntaxError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
    ):
        raise PictureError(
            _("That picture could not be read to the end (is the file complete?)."),
            field="picture",
        ) from None
    clean = Image.new("RGB", square.size, "white")  # a fresh image carries no metadata
    clean.paste(square)
    out = io.BytesIO()
    clean.save(out, "JPEG", quality=85, optimize=True)
    return out.getvalue()


def _too_many_pixels(size: tuple[int, int] | None) -> PictureError:
    millions = MAX_PIXELS // 1_000_000
    if size is None:
        text = _(
            "That picture at most %(millions)s million pixels are taken. Make it smaller first.",
            millions=millions,
        )
    else:
        text = _(
            "That picture is %(width)s x %(height)s pixels; at most %(millions)s million "
            "pixels are taken. Make it smaller first.",
            width=size[0],
            height=size[1],
            millions=millions,
        )
    return PictureError(text, field="picture")


def _on_white(image: Image.Image) -> Image.Image:
    """RGB, with any transparency over white (not black) so a logo stays readable."""
    if image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, "white")
        return Image.alpha_composite(background, rgba).convert("RGB")
    return image.convert("RGB")


def set_picture(member: Member, data: bytes) -> None:
    """Process and store ``data`` as the member's picture; commit."""
    jpeg = process(data)
    row = db.session.get(MemberPicture, member.id) or MemberPicture(member_id=member.id)
    row.data, row.updated_at = jpeg, utcnow()
    db.session.add(row)
    member.picture_version = secrets.token_hex(8)
    db.session.commit()


def remove_picture(member: Member) -> None:
    """Delete the member's picture (the caller commits)."""
    row = db.session.get(MemberPicture, member.id)
    if row is not None:
        db.session.delete(row)
    member.picture_version = None


def picture_data(member: Member) -> bytes | None:
    row = db.session.get(MemberPicture, member.id)
    return row.data if row is not None else None
