/* Activity form: show only the counts that matter for the chosen kind (all stay optional).
   Without JavaScript every count is shown. */
(function () {
  "use strict";
  var kind = document.getElementById("id_kind");
  if (!kind) { return; }
  var rows = document.querySelectorAll(".work-count[data-kinds]");
  function update() {
    rows.forEach(function (row) {
      var kinds = row.getAttribute("data-kinds").split(" ");
      var input = row.querySelector("input");
      var show = !kind.value || kinds.indexOf(kind.value) !== -1 || (input && input.value !== "");
      row.hidden = !show;
    });
  }
  kind.addEventListener("change", update);
  update();
})();
