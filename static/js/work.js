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

/* Activity form: a search box over the long list of local governments (names and codes).
   Without JavaScript the whole list stays shown. */
(function () {
  "use strict";
  var holder = document.querySelector(".work-municipalities");
  if (!holder) { return; }
  var options = Array.prototype.slice.call(holder.querySelectorAll("input[type=checkbox]"));
  if (options.length < 12) { return; }
  var label = document.documentElement.lang === "en" ? "Search by name or code" : "名称・団体コードで絞り込み";
  var wrap = document.createElement("div");
  wrap.className = "form-row picker-search";
  var id = "municipality-search";
  wrap.innerHTML = '<label for="' + id + '"></label><input type="search" id="' + id + '" autocomplete="off">';
  wrap.querySelector("label").textContent = label;
  holder.insertBefore(wrap, holder.firstChild);
  var input = wrap.querySelector("input");
  input.addEventListener("input", function () {
    var words = input.value.trim().toLowerCase();
    options.forEach(function (option) {
      var row = option.closest("div, li") || option.parentNode;
      var text = (option.closest("label") || row).textContent.toLowerCase();
      row.hidden = words !== "" && text.indexOf(words) === -1 && !option.checked;
    });
  });
})();
