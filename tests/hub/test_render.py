"""Member text becomes safe HTML in one place."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hub.render import ALLOWED_TAGS, _full_html, _plain_html, render_markdown


@pytest.mark.parametrize(
    "text",
    [
        "<script>alert(1)</script>",
        '<img src=x onerror="alert(1)">',
        '<a href="javascript:alert(1)">x</a>',
        "[click](javascript:alert(1))",
        "[click](data:text/html;base64,PHNjcmlwdD4=)",
        "<div onclick=alert(1)>hi",
        "<<script>script>alert(1)<</script>/script>",
        "<svg/onload=alert(1)>",
        "<iframe src=https://evil.example></iframe>",
        "[x](JaVaScRiPt:alert(1))",
        "<style>body{display:none}</style>",
    ],
)
def test_dangerous_markup_never_becomes_markup(text):
    html = render_markdown(text)
    parser = _TagCollector()
    parser.feed(html)
    for tag, attrs in parser.tags:
        assert tag in ALLOWED_TAGS, (tag, html)
        for name, value in attrs:
            assert name in ("href", "title", "rel"), (name, html)
            if name == "href":
                assert value.split(":")[0].lower() in ("http", "https", "mailto"), html


class _TagCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, list[tuple[str, str]]]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, attrs))


def test_markdown_subset_and_links():
    html = render_markdown("*em* **strong** `code` [site](https://example.org)\n\n- one\n- two")
    assert "<em>em</em>" in html and "<strong>strong</strong>" in html
    assert "<code>code</code>" in html
    assert '<a href="https://example.org" rel="nofollow noopener">site</a>' in html
    assert "<ul>" in html and "<li>one</li>" in html


def test_bare_urls_are_linked_with_rel():
    html = render_markdown("see https://example.org/a?b=1 now")
    assert '<a href="https://example.org/a?b=1" rel="nofollow noopener">' in html


def test_raw_html_is_shown_as_text():
    html = render_markdown("use <b>bold</b> tags")
    assert "&lt;b&gt;bold&lt;/b&gt;" in html


def test_code_is_not_linkified():
    html = render_markdown("`https://example.org`")
    assert "<a" not in html


def test_headings_are_not_allowed_but_text_stays():
    html = render_markdown("# Big")
    assert "<h1" not in html and "Big" in html


def test_threads_rendering_at_once_get_their_own_results():
    from concurrent.futures import ThreadPoolExecutor

    texts = [f"*{n}* see https://example.org/{n} <b>x{n}</b>\n\n- a{n}\n- b{n}" for n in range(400)]
    expected = [render_markdown(t) for t in texts]
    with ThreadPoolExecutor(8) as pool:
        got = list(pool.map(render_markdown, texts[::-1]))
    assert got[::-1] == expected


# Prose with every character the shortcut for plain text must notice: Markdown and bleach
# syntax, line starts, spaces at line ends, dots before letters (addresses), and letters.
_PROSE = st.lists(
    st.sampled_from(
        [*"ab Zé1.,;:!?'\"()/%@$-+=*_`[]<>&#~|{}\\\t\n", "\n\n", "www", "://", "é"]
        + ["Word", "word", " ", ". ", ", ", "\n"] * 6
    ),
    max_size=40,
).map("".join)


@given(_PROSE)
@settings(max_examples=400)
def test_plain_prose_renders_as_markdown_and_bleach_would(text):
    """The shortcut for plain prose gives exactly what the full pipeline gives."""
    plain = _plain_html(text)
    if plain is not None:
        assert plain == _full_html(text)


@pytest.mark.parametrize(
    ("text", "html"),
    [
        ("Testing the new sensor housing.", "<p>Testing the new sensor housing.</p>"),
        (
            "First line\nsecond line\n\nNew paragraph",
            "<p>First line<br>\nsecond line</p>\n<p>New paragraph</p>",
        ),
        (
            "Look at example.org today",
            '<p>Look at <a href="http://example.org" rel="nofollow noopener">'
            "example.org</a> today</p>",
        ),
        ("1. one\n2. two", "<ol>\n<li>one</li>\n<li>two</li>\n</ol>"),
        ("so *very* good", "<p>so <em>very</em> good</p>"),
        ("ends with two spaces  \nthen more", "<p>ends with two spaces<br>\nthen more</p>"),
    ],
)
def test_prose_and_markup_render_as_a_reader_expects(text, html):
    assert render_markdown(text) == html


@pytest.mark.parametrize(
    ("text", "html"),
    [
        ("> a\n>\nb", "<blockquote>\n<p>a</p>\n</blockquote>\n<p>b</p>"),
        ("> a\n>\n> c\n>\n>\nb", "<blockquote>\n<p>a</p>\n<p>c</p>\n</blockquote>\n<p>b</p>"),
        (
            "> a\nb",
            "<blockquote>\n<p>a<br>\nb</p>\n</blockquote>",
        ),  # a continuation, as in CommonMark
    ],
)
def test_a_line_under_an_empty_quoted_line_is_outside_the_quote(text, html):
    assert render_markdown(text) == html
