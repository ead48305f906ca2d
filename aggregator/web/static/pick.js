// Auto-print option of the pick list: remembered on this device. When on, the slip of an order
// being packed opens by itself as the page loads (the browser must allow pop-ups for chotdon
// once), so the packer only presses print.
(function () {
  "use strict";
  var box = document.getElementById("auto-print");
  var slip = document.getElementById("slip");
  if (!box || !slip) return;
  var KEY = "chotdon.autoPrint";
  box.checked = window.localStorage.getItem(KEY) === "1";
  box.addEventListener("change", function () {
    window.localStorage.setItem(KEY, box.checked ? "1" : "0");
  });
  if (box.checked && slip.dataset.status === "packing") {
    window.open(slip.href, "_blank", "noopener");
  }
})();
