"""Decoding ``text/plain; format=flowed`` bodies (RFC 3676).

Apple Mail, Thunderbird and others wrap long paragraphs at ~72 columns and mark each soft
break with a trailing space. Decoding joins those lines back into paragraphs so the post
reflows on any screen, while hard line breaks and quote depth stay as the sender wrote them.
"""

from __future__ import annotations

_SIGNATURE_SEPARATOR = "-- "


def unflow(text: str, *, delsp: bool = False) -> str:
    """Join soft-broken lines of a flowed body; ``text`` must already use ``\\n`` line ends.

    With ``delsp`` the space that marks a soft break is deleted (used for languages written
    without spaces between words). Space-stuffing is undone and each paragraph keeps its quote
    depth, rendered as ``>`` marks followed by one space, e.g. ``">> quoted twice"``.
    """
    out: list[str] = []
    para: list[str] = []
    para_depth = 0

    def flush() -> None:
        nonlocal para
        if not para:
            return
        content = "".join(para)
        if para_depth:
            out.append(">" * para_depth + (" " + content if content else ""))
        else:
            out.append(content)
        para = []

    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    for line in lines:
        depth = len(line) - len(line.lstrip(">"))
        content = line[depth:]
        if content.startswith(" "):
            content = content[1:]  # remove space-stuffing (or the space after quote marks)
        flowed = content.endswith(" ") and content != _SIGNATURE_SEPARATOR
        if para and (depth != para_depth or content == _SIGNATURE_SEPARATOR):
            # A flowed line followed by another depth or a signature is treated as fixed.
            para[-1] = para[-1].rstrip(" ")
            flush()
        para_depth = depth
        if flowed and delsp:
            content = content[:-1]
        para.append(content)
        if not flowed:
            flush()
    if para:
        para[-1] = para[-1].rstrip(" ")
        flush()
    return "\n".join(out) + ("\n" if text.endswith("\n") else "")
