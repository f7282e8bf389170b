// Observed practice: keyboard shortcuts on the live tally and the transcript coder, the
// segment timer, and a clear word when a tap could not be saved. The pages work without
// this file: every button is a form that posts.
(function () {
  "use strict";

  function typing(event) {
    var t = event.target;
    return event.ctrlKey || event.metaKey || event.altKey ||
      (t && (t.tagName === "TEXTAREA" || (t.tagName === "INPUT" && t.type !== "radio" && t.type !== "checkbox")));
  }

  // The tally: the letter on a button clicks it.
  document.addEventListener("keydown", function (event) {
    var area = document.querySelector("[data-tally]");
    if (!area || typing(event) || event.key.length !== 1) return;
    var button = area.querySelector('button[data-key="' + event.key.toLowerCase() + '"]');
    if (button && !button.disabled) {
      event.preventDefault();
      button.click();
    }
  });

  // The transcript coder: on a line's code menu, a letter chooses that code and saves it
  // (htmx posts on change), then the next uncoded line gets the focus. Enter keeps the
  // suggested code.
  document.addEventListener("keydown", function (event) {
    var select = event.target;
    if (!select || !select.matches || !select.matches("select[data-code-select]")) return;
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    var value = null;
    if (event.key === "Enter" && select.dataset.suggested) {
      value = select.dataset.suggested;
    } else if (event.key.length === 1) {
      var option = select.querySelector('option[data-key="' + event.key.toLowerCase() + '"]');
      if (option) value = option.value;
    }
    if (value === null) return;
    event.preventDefault();
    select.value = value;
    select.dispatchEvent(new Event("change", { bubbles: true }));
    var selects = Array.prototype.slice.call(document.querySelectorAll("select[data-code-select]"));
    var next = selects[selects.indexOf(select) + 1];
    if (next) next.focus();
  });

  // After htmx swaps a coded row in, keep the focus where the coder is.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var active = document.activeElement;
    event.detail.keepFocusId = active && active.id;
  });
  document.addEventListener("htmx:afterSettle", function (event) {
    var id = event.detail.keepFocusId;
    var active = document.activeElement;
    if (id && (!active || active === document.body)) {
      var again = document.getElementById(id);
      if (again) again.focus();
    }
    var offline = document.querySelector("[data-offline]");
    if (offline) offline.hidden = true;
    startTimers();
  });

  function unsaved() {
    var offline = document.querySelector("[data-offline]");
    if (offline) offline.hidden = false;
  }
  document.addEventListener("htmx:sendError", unsaved);
  document.addEventListener("htmx:responseError", unsaved);

  // The segment timer counts from the start kept on the server.
  var ticking = null;
  function startTimers() {
    var timer = document.querySelector("[data-timer]");
    if (ticking) clearInterval(ticking);
    if (!timer) return;
    var started = Date.parse(timer.dataset.started);
    var minutes = parseInt(timer.dataset.minutes, 10);
    function two(n) { return (n < 10 ? "0" : "") + n; }
    function tick() {
      var seconds = Math.max(0, Math.floor((Date.now() - started) / 1000));
      var text = two(Math.floor(seconds / 60)) + ":" + two(seconds % 60) + " / " + two(minutes) + ":00";
      timer.textContent = text;
      timer.classList.toggle("over", seconds >= minutes * 60);
    }
    tick();
    ticking = setInterval(tick, 1000);
  }
  startTimers();
})();
