"""Turning the bytes of inbound mail into text, whatever charset label they carry.

Real mail lies about its charset often enough that decoding has to be forgiving: labels are
misspelt or unknown, ``iso-8859-1`` text carries Windows-1252 quotes, ``gb2312`` text carries
GBK characters, and UTF-8 arrives with stray bytes. Nothing here raises on any input.
"""

from __future__ import annotations

import binascii
import codecs
import re

# Labels seen in real mail mapped to the codec that decodes what senders actually meant.
# The supersets (cp1252 for latin-1, gb18030 for gb2312, cp932 for shift_jis, ...) decode
# every byte the narrower charset would, plus the vendor extensions clients emit anyway.
_ALIASES = {
    "utf8": "utf-8",
    "unicode-1-1-utf-8": "utf-8",
    "us-ascii": "ascii",
    "ascii": "ascii",
    "ansi_x3.4-1968": "ascii",
    "iso-8859-1": "cp1252",
    "iso8859-1": "cp1252",
    "iso_8859-1": "cp1252",
    "latin1": "cp1252",
    "latin-1": "cp1252",
    "l1": "cp1252",
    "iso-8859-9": "cp1254",
    "iso-8859-11": "cp874",
    "tis-620": "cp874",
    "windows-874": "cp874",
    "iso-8859-8-i": "iso-8859-8",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "cp936": "gb18030",
    "euc-cn": "gb18030",
    "shift_jis": "cp932",
    "shift-jis": "cp932",
    "sjis": "cp932",
    "x-sjis": "cp932",
    "windows-31j": "cp932",
    "iso-2022-jp": "iso2022_jp_ext",
    "euc-kr": "cp949",
    "ks_c_5601-1987": "cp949",
    "big5": "big5hkscs",
    "x-mac-roman": "mac_roman",
    "macintosh": "mac_roman",
}

# Codecs that exist in Python but are not charsets a message may legitimately name.
_REFUSED = {"undefined", "idna", "punycode", "unicode_escape", "raw_unicode_escape", "mbcs", "oem"}

_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_ENCODED_WORD = re.compile(r"=\?([^?\s*]+)(?:\*[^?\s]*)?\?([bBqQ])\?([^?\s]*)\?=")


def codec_for(label: str | None) -> str | None:
    """The Python codec name to use for a MIME charset label, or None when it is unusable."""
    if not label:
        return None
    name = label.strip().strip("\"'").strip().lower()
    name = name.split("*", 1)[0]  # RFC 2231 language suffix: "utf-8*en"
    name = _ALIASES.get(name, name)
    try:
        info = codecs.lookup(name)
    except (LookupError, ValueError, TypeError):
        return None
    if info.name in _REFUSED or not getattr(info, "_is_text_encoding", True):
        return None
    return info.name


def guess_decode(data: bytes) -> str:
    """Decode bytes with no usable label: UTF-8 when it is valid, else Windows-1252."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def decode_bytes(data: bytes, label: str | None, defects: list[str] | None = None) -> str:
    """Decode ``data`` as charset ``label``, falling back sensibly instead of failing.

    Unknown labels fall back to a guess; a declared ``us-ascii`` that isn't is guessed too,
    since 8-bit text under a missing or default label is usually UTF-8 or Windows-1252.
    Malformed bytes under a known charset become U+FFFD.
    """
    codec = codec_for(label)
    if codec is None:
        if label and defects is not None:
            defects.append(f"unknown charset {label.strip()[:40]!r}")
        return guess_decode(data)
    if codec == "ascii":
        return guess_decode(data)
    try:
        return data.decode(codec)
    except UnicodeDecodeError:
        if codec == "iso2022_jp_ext":
            try:
                return data.decode("iso2022_jp_2")
            except UnicodeDecodeError:
                pass
        if defects is not None:
            defects.append(f"undecodable bytes for charset {label!r}")
    except Exception:  # a codec that misbehaves on hostile input
        return guess_decode(data)
    try:
        return data.decode(codec, errors="replace")
    except Exception:
        return guess_decode(data)


def clean_text(text: str) -> str:
    """Normalise line endings to ``\\n`` and drop control characters (NUL breaks databases)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL.sub("", text)


_SURROGATE_ESCAPE = re.compile("[\udc80-\udcff]")


def unescape_8bit(value: str) -> str:
    """Recover raw 8-bit header bytes that the parser kept as surrogate escapes."""
    if value.isascii() or not _SURROGATE_ESCAPE.search(value):
        return value
    return guess_decode(value.encode("utf-8", "surrogateescape"))


def decode_header_value(value: str | None) -> str:
    """Decode an unstructured header: RFC 2047 words (B and Q, mixed charsets) and raw 8-bit.

    Folding whitespace is unfolded and the result carries no control characters.
    """
    if value is None:
        return ""
    value = str(value)
    if value.isascii() and value.isprintable() and "=?" not in value:
        return value.strip()  # the common case: one line of plain ASCII, nothing to decode
    value = unescape_8bit(value)
    value = re.sub(r"\r?\n[ \t]", " ", value)
    value = value.replace("\r", " ").replace("\n", " ")
    if _ENCODED_WORD.search(value):
        value = _decode_words(value)
    return _CONTROL.sub("", value.replace("\t", " ")).strip()


def _decode_word(charset: str, encoding: str, text: str) -> bytes | None:
    try:
        if encoding in "qQ":
            return binascii.a2b_qp(text.encode("ascii"), header=True)
        cleaned = re.sub(r"[^A-Za-z0-9+/]", "", text)
        cleaned = cleaned[: len(cleaned) - len(cleaned) % 4 if len(cleaned) % 4 == 1 else None]
        return binascii.a2b_base64(cleaned + "=" * (-len(cleaned) % 4))
    except (binascii.Error, ValueError, UnicodeEncodeError):
        return None


def _decode_words(value: str) -> str:
    """RFC 2047 decoding that survives broken words.

    Adjacent words in one charset are joined as bytes before decoding, because clients split
    multi-byte characters across words; whitespace between encoded words is dropped.
    """
    out: list[str] = []
    pending = b""
    pending_charset: str | None = None

    def flush() -> None:
        nonlocal pending, pending_charset
        if pending_charset is not None:
            out.append(decode_bytes(pending, pending_charset))
        pending, pending_charset = b"", None

    pos = 0
    for match in _ENCODED_WORD.finditer(value):
        between = value[pos : match.start()]
        if between and not (pos > 0 and between.isspace()):
            flush()
            out.append(between)
        charset, encoding, text = match.groups()
        data = _decode_word(charset, encoding, text)
        if data is None:
            flush()
            out.append(match.group(0))
        elif charset.lower() == pending_charset:
            pending += data
        else:
            flush()
            pending, pending_charset = data, charset.lower()
        pos = match.end()
    flush()
    out.append(value[pos:])
    return "".join(out)
