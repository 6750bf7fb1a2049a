# ruff: noqa: E501 (the template is one page of HTML, as written)
"""The ceiling for ``bench/board.py``: a bare Flask app rendering 50 in-memory posts through
one Jinja template, with nothing of Hub around it (no database, no login, no Babel).

It is what the same server set-up can do for a page of about the board's size and shape,
so Hub's board is measured as a fraction of it (``app:app`` served the same way).
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from flask import Flask, render_template
from markupsafe import Markup
from seed_words import CEILING_WORDS as WORDS

TEMPLATE = """<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Board · {{ name }}</title>
<link rel="stylesheet" href="/static/hub.css"></head>
<body>
<header class="site"><a class="brand" href="/">{{ name }}</a>
<nav><ul>{% for label, href in nav %}<li><a href="{{ href }}">{{ label }}</a></li>{% endfor %}</ul></nav>
</header>
<main id="main" class="wrap">
<section class="card compose"><h2>What are you working on?</h2>
<form method="post" action="/posts"><textarea name="body" rows="5" required></textarea>
<button type="submit">Post update</button></form></section>
<section aria-labelledby="updates-title"><h2 id="updates-title">Latest updates</h2>
{% for post in posts %}
<article class="post" id="post-{{ post.id }}">
  <p class="meta"><span class="avatar initials avatar-32" aria-hidden="true">{{ post.initials }}</span>
  <a class="author" href="/members/{{ post.author_id }}">{{ post.author }}</a>
  <span class="org">{{ post.organisation }}</span>
  <a class="when" href="/posts/{{ post.id }}"><time datetime="{{ post.iso }}" title="{{ post.absolute }}">{{ post.relative }}</time></a></p>
  <div class="body">{{ post.html }}</div>
  <p class="actions"><a class="reply-link" href="/posts/{{ post.id }}#reply-{{ post.id }}">Reply<span class="sr"> to {{ post.author }}'s update</span></a>
  <a class="flag" href="/posts/{{ post.id }}/flag">Flag<span class="sr"> this update by {{ post.author }} for the moderators</span></a></p>
  <details class="reply-form"><summary>Write a reply<span class="sr"> to {{ post.author }}</span></summary>
  <form method="post" action="/posts/{{ post.id }}/replies"><textarea id="reply-{{ post.id }}" name="body" rows="3" required></textarea>
  <button type="submit">Send reply</button></form></details>
</article>
{% endfor %}
</section></main>
<footer class="site wrap"><p>{{ name }}: updates in the order they were written.</p></footer>
</body></html>
"""


def _posts(count: int = 50) -> list[dict]:
    rng = random.Random(15)
    now = datetime.now(UTC)
    posts = []
    for n in range(1, count + 1):
        when = now - timedelta(minutes=7 * n)
        body = " ".join(rng.choices(WORDS, k=rng.randint(8, 40)))
        posts.append(
            {
                "id": n,
                "author_id": rng.randint(1, 5000),
                "author": f"Member {n}",
                "initials": "M" + str(n)[0],
                "organisation": "Lehmwerk",
                "iso": when.isoformat(timespec="seconds"),
                "absolute": when.strftime("%d %b %Y, %H:%M UTC"),
                "relative": f"{7 * n} minutes ago",
                "html": Markup(f"<p>{body}</p>"),
            }
        )
    return posts


POSTS = _posts()
NAV = [("Board", "/"), ("Members", "/members"), ("Digests", "/digests"), ("Settings", "/settings")]

app = Flask(__name__)
#: Compiled once, as a template from a loader is (render_template_string compiles each call).
BOARD = app.jinja_env.from_string(TEMPLATE)


@app.get("/")
def board() -> str:
    return render_template(BOARD, name="Bench Network", nav=NAV, posts=POSTS)
