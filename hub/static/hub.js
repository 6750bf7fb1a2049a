/* Hub's one script: small progressive enhancements. Every page works without it. */
(function () {
  "use strict";

  /* A live character count under each text box that has a limit (data-max-length).
     The box itself never cuts: the server refuses an over-long text and keeps it whole.
     Counts code points of the trimmed text, as the server does. */
  function length(text) {
    return Array.from(text.replace(/\r\n?/g, "\n").trim()).length;
  }

  function counter(box) {
    var limit = parseInt(box.getAttribute("data-max-length"), 10);
    var out = document.getElementById(box.getAttribute("data-count"));
    if (!limit || !out) return;
    /* The visible count changes at every key; screen readers hear only the crossings. */
    var say = document.createElement("span");
    say.className = "sr";
    say.setAttribute("role", "status");
    out.parentNode.insertBefore(say, out.nextSibling);
    var was = null;
    function update() {
      var n = length(box.value);
      var over = n > limit;
      out.textContent = over
        ? n + " of " + limit + " characters: " + (n - limit) + " too many"
        : n + " of " + limit + " characters";
      out.classList.toggle("over", over);
      if (was !== null && over !== was) {
        say.textContent = over
          ? "Over the limit of " + limit + " characters."
          : "Within the limit of " + limit + " characters again.";
      }
      was = over;
    }
    box.addEventListener("input", update);
    update();
  }

  function zoneFirst(select) {
    /* Put the browser's own time zone at the top of the list, beside the network's. */
    var zone;
    try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone; } catch (e) { return; }
    if (!zone) return;
    var group = select.querySelector("optgroup[data-first]");
    var match = null;
    Array.prototype.forEach.call(select.options, function (o) {
      if (o.value === zone && !match) match = o;
    });
    if (!group || !match || match.parentNode === group) return;
    var copy = match.cloneNode(true);
    copy.textContent = match.textContent + " (this browser)";
    copy.selected = false;
    group.appendChild(copy);
  }

  /* "Reply" opens the reply form on this page instead of going to the thread's page. */
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a[data-reply-to]");
    if (!link) return;
    var box = document.getElementById(link.getAttribute("data-reply-to"));
    var details = box && box.closest("details");
    if (!details) return;
    event.preventDefault();
    details.open = true;
    box.focus();
  });

  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll("textarea[data-max-length]"), counter);
    Array.prototype.forEach.call(document.querySelectorAll("select[data-browser-zone]"), zoneFirst);
  });
})();
