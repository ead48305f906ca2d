// One-tap copy: a button with data-copy="<id>" copies that field's text (a buyer's link, a
// message to send by hand), and says so for two seconds.
(function () {
  "use strict";
  function copied(button) {
    var text = button.textContent;
    button.textContent = "Đã chép";
    setTimeout(function () { button.textContent = text; }, 2000);
  }
  document.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-copy]");
    if (!button) { return; }
    event.preventDefault();
    var field = document.getElementById(button.getAttribute("data-copy"));
    if (!field) { return; }
    var text = field.value !== undefined ? field.value : field.textContent;
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(function () { copied(button); });
      return;
    }
    field.select();  // plain http on a shop's LAN: the old way still works
    document.execCommand("copy");
    copied(button);
  });
}());
