"""With the keyboard alone: log in, post an update, reply, log out, the focus always seen.

Only keys are pressed (Tab, Shift+Tab, Enter and typed text): no clicks, no script that
moves the focus. After every key that moves the focus the test asks the browser whether a
person would see where it is: the focused element matches ``:focus-visible``, its computed
style draws an outline or a box shadow (an outline at 3:1 or more against the background
around it, WCAG 1.4.11), and it lies inside the window.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

MAX_TABS = 40

# What the browser says about the focused element, for a person looking at the screen.
FOCUS_STATE = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return {element: "body", shown: false, why: "no focus"};
  const style = getComputedStyle(el);
  const outline = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0;
  const shadow = style.boxShadow !== "none";
  const box = el.getBoundingClientRect();
  const inside = box.width > 0 && box.height > 0 && box.right > 0 && box.bottom > 0
    && box.left < innerWidth && box.top < innerHeight;
  const name = (el.getAttribute("aria-label") || el.innerText || el.value || "").trim();
  // The ring stands outside the element (outline-offset), on its parent's background.
  const rgb = (c) => (c.match(/[\\d.]+/g) || []).map(Number);
  let back = el.parentElement, bg = [255, 255, 255];
  while (back) {
    const c = rgb(getComputedStyle(back).backgroundColor);
    if (c.length >= 3 && (c.length < 4 || c[3] > 0)) { bg = c; break; }
    back = back.parentElement;
  }
  const lum = (c) => {
    const [r, g, b] = c.slice(0, 3).map((v) => {
      v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const [hi, lo] = [lum(rgb(style.outlineColor)), lum(bg)].sort((a, b) => b - a);
  const contrast = (hi + 0.05) / (lo + 0.05);
  return {
    element: el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") + " " + name.slice(0, 40),
    id: el.id, tag: el.tagName.toLowerCase(), text: name,
    href: el.getAttribute("href") || "",
    shown: el.matches(":focus-visible") && (outline || shadow) && inside
      && (!outline || contrast >= 3),
    why: {focusVisible: el.matches(":focus-visible"), outline: style.outline,
          boxShadow: style.boxShadow, inside: inside, contrast: contrast},
  };
}"""


def press(page: Page, key: str) -> dict:
    """Press ``key`` and return where the focus went, asserting a person can see it."""
    page.keyboard.press(key)
    state = page.evaluate(FOCUS_STATE)
    assert state["shown"], f"after {key} the focus is not visible: {state}"
    return state


def tab_to(page: Page, wanted, *, key: str = "Tab") -> dict:  # noqa: ANN001
    """Press ``key`` until the focused element satisfies ``wanted``; every step is checked."""
    seen = []
    for _ in range(MAX_TABS):
        state = press(page, key)
        if wanted(state):
            return state
        seen.append(state["element"])
    raise AssertionError(f"{key} never reached the element; went through {seen}")


def type_text(page: Page, text: str) -> None:
    page.keyboard.type(text)


def _login_link(outbox, base_url: str) -> str:  # noqa: ANN001
    text = outbox[-1].get_body(preferencelist=("plain",)).get_content()
    match = re.search(re.escape(base_url) + r"/login/[A-Za-z0-9_\-]+", text)
    assert match, text
    return match.group(0)


def test_login_post_reply_and_logout_by_keyboard(live_server, page, make_member, make_post, outbox):
    make_member("Kim Keyboard", email="kim@example.org", organisation="Keys Ltd")
    other = make_member("Quinn Other", organisation="Other Org")
    make_post(other, "Quinn's update about the kiln")

    page.goto(live_server + "/")
    assert page.url.startswith(live_server + "/login")
    page.wait_for_load_state("networkidle")
    skip = press(page, "Tab")
    assert skip["text"] == "Skip to content"
    press(page, "Enter")  # the focus is now on the main area, then the next Tab goes inside it
    tab_to(page, lambda s: s["id"] == "email")
    type_text(page, "kim@example.org")
    tab_to(page, lambda s: s["text"] == "Email me a login link")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Check your inbox")).to_be_visible()

    # The login link comes by mail; a person opens it from their mail program.
    page.goto(_login_link(outbox, live_server))
    page.wait_for_load_state("networkidle")
    tab_to(page, lambda s: s["tag"] == "button" and s["text"] == "Log in")
    page.keyboard.press("Enter")
    expect(page).to_have_url(live_server + "/")

    page.wait_for_load_state("networkidle")
    assert press(page, "Tab")["text"] == "Skip to content"
    press(page, "Enter")
    assert tab_to(page, lambda s: s["id"] == "body")["id"] == "body"
    type_text(page, "Typed with the keyboard only")
    tab_to(page, lambda s: s["text"] == "Post update")
    page.keyboard.press("Enter")
    mine = page.locator("article.post").first
    expect(mine).to_contain_text("Typed with the keyboard only")
    expect(mine).to_contain_text("Kim Keyboard")

    # Reply to Quinn's update: its "Reply" link opens the reply box in place.
    page.wait_for_load_state("networkidle")
    quinn = page.locator("article.post", has_text="Quinn's update about the kiln")
    reply_id = quinn.locator("textarea").get_attribute("id")
    tab_to(page, lambda s: s["text"].startswith("Reply") and s["href"].endswith("#" + reply_id))
    state = press(page, "Enter")
    assert state["id"] == reply_id, state
    type_text(page, "Count me in, Quinn")
    tab_to(page, lambda s: s["text"] == "Send reply")
    page.keyboard.press("Enter")
    thread = page.locator("article.post").first
    expect(thread).to_contain_text("Quinn's update about the kiln")
    expect(thread.locator(".replies li").last).to_contain_text("Count me in, Quinn")

    # Back up through the page to the header's "Log out".
    page.wait_for_load_state("networkidle")
    tab_to(page, lambda s: s["text"] == "Log out", key="Shift+Tab")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name=re.compile("Log in to"))).to_be_visible()
    page.goto(live_server + "/")
    assert page.url.startswith(live_server + "/login")
