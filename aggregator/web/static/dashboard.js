// The dashboard's stream state, shown next to its title: htmx's SSE extension reports the
// connection opening and failing (it reconnects by itself, with a growing delay).
(function () {
  "use strict";
  function show(text, state) {
    var badge = document.getElementById("stream-state");
    if (!badge) { return; }
    badge.textContent = text;
    badge.className = "stream-state " + state;
  }
  document.addEventListener("htmx:sseOpen", function () { show("Trực tiếp", "live"); });
  document.addEventListener("htmx:sseError", function () { show("Mất kết nối, đang thử lại…", "lost"); });
})();
