// The order page's ward picker: when the province changes, load its wards (2025 units).
// Without JavaScript the "Chọn tỉnh" button reloads the page with the same list.
(function () {
  "use strict";
  document.documentElement.className += " js";
  var province = document.getElementById("province");
  var ward = document.getElementById("ward");
  if (!province || !ward) { return; }
  function reset() {
    while (ward.options.length > 1) { ward.remove(1); }
  }
  province.addEventListener("change", function () {
    reset();
    if (!province.value) { return; }
    ward.disabled = true;
    fetch("/dia-chi/" + encodeURIComponent(province.value) + ".json", { credentials: "omit" })
      .then(function (answer) { return answer.ok ? answer.json() : []; })
      .then(function (units) {
        units.forEach(function (unit) {
          var option = document.createElement("option");
          option.value = unit.code;
          option.textContent = unit.name;
          ward.appendChild(option);
        });
      })
      .finally(function () { ward.disabled = false; });
  });
}());
