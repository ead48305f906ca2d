// The director's dashboard, live: one EventSource on the page's stream. "figures" carries only
// the numbers whose text changed ({key: text}); each is written into its element (data-f) when it
// differs, nothing else on the page is touched. "layout" (a live or product appeared, an alert,
// a new bar) replaces the body once; "tick" is the time of the figures. The browser reconnects
// by itself after a drop; the badge by the title says so.
(function () {
  "use strict";
  var root = document.getElementById("dashboard");
  if (!root || !window.EventSource) { return; }
  var slots = {};

  function index() {
    slots = {};
    var found = root.querySelectorAll("[data-f]");
    for (var i = 0; i < found.length; i++) {
      var el = found[i];
      var keys = el.getAttribute("data-f").split(" ");
      var attrs = (el.getAttribute("data-attr") || "").split(" ");
      for (var j = 0; j < keys.length; j++) {
        slots[keys[j]] = { el: el, attr: attrs[j] || "" };
      }
    }
  }

  function write(key, text) {
    var slot = slots[key];
    if (!slot) { return; }
    if (slot.attr) {
      if (slot.el.getAttribute(slot.attr) !== text) { slot.el.setAttribute(slot.attr, text); }
    } else if (slot.el.textContent !== text) {
      slot.el.textContent = text;
    }
  }

  function show(text, state) {
    var badge = document.getElementById("stream-state");
    if (!badge) { return; }
    badge.textContent = text;
    badge.className = "stream-state " + state;
  }

  index();
  var stream = new EventSource(root.getAttribute("data-stream"));
  stream.addEventListener("open", function () { show("Trực tiếp", "live"); });
  stream.addEventListener("error", function () { show("Mất kết nối, đang thử lại…", "lost"); });
  stream.addEventListener("figures", function (event) {
    var figures = JSON.parse(event.data);
    for (var key in figures) {
      if (Object.prototype.hasOwnProperty.call(figures, key)) { write(key, figures[key]); }
    }
  });
  stream.addEventListener("layout", function (event) {
    root.innerHTML = event.data;  // server-rendered, escaped by the template like the page
    index();
  });
  stream.addEventListener("tick", function (event) {
    var at = document.getElementById("updated-at");
    if (at && at.textContent !== event.data) { at.textContent = event.data; }
  });
})();
