// The buyer's return form: say how many photos were chosen (the native file input is hidden).
(function () {
  "use strict";
  var input = document.getElementById("photo");
  var count = document.getElementById("photo-count");
  if (!input || !count) { return; }
  input.addEventListener("change", function () {
    var n = input.files ? input.files.length : 0;
    count.textContent = n ? "Đã chọn " + n + " ảnh" : "";
  });
}());
