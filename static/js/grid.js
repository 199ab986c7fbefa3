/* Stage grid: a picker for many local governments (search, select by 振興局 / center / kind) and
   changed-cell marking. Progressive enhancement: without JavaScript the picker's selects and
   checkboxes are submitted as a plain GET form and the grid saves as a plain POST form. */
(function () {
  "use strict";
  var picker = document.querySelector("[data-picker]");
  if (picker) {
    var items = Array.prototype.slice.call(picker.querySelectorAll("li[data-name]"));
    var search = picker.querySelector("[data-pick-search]");
    var count = picker.querySelector("[data-pick-count]");
    var none = picker.querySelector("[data-pick-none]");
    var showCount = function () {
      var checked = picker.querySelectorAll("li[data-name] input:checked").length;
      count.textContent = checked ? "（" + checked + "）" : "";
    };
    search.closest(".picker-search").hidden = false;
    none.hidden = false;
    search.addEventListener("input", function () {
      var words = search.value.trim().toLowerCase();
      items.forEach(function (item) {
        item.hidden = words !== "" && item.getAttribute("data-name").toLowerCase().indexOf(words) === -1;
      });
    });
    picker.querySelectorAll("select[data-pick]").forEach(function (select) {
      var key = "data-" + select.getAttribute("data-pick");
      select.addEventListener("change", function () {
        if (!select.value) { return; }
        items.forEach(function (item) {
          if (item.getAttribute(key) === select.value) { item.querySelector("input").checked = true; }
        });
        select.value = "";
        showCount();
      });
    });
    none.addEventListener("click", function () {
      items.forEach(function (item) { item.querySelector("input").checked = false; });
      showCount();
    });
    picker.addEventListener("change", showCount);
    showCount();
  }

  var grid = document.querySelector(".grid-form");
  if (grid) {
    var counter = grid.querySelector("[data-grid-count]");
    var selects = Array.prototype.slice.call(grid.querySelectorAll("select.grid-select"));
    var mark = function () {
      var changed = 0;
      selects.forEach(function (select) {
        var isChanged = select.value !== select.getAttribute("data-was");
        var holder = select.closest("td");
        if (holder) { holder.classList.toggle("grid-changed", isChanged); }
        if (isChanged) { changed += 1; }
      });
      counter.textContent = changed ? counter.getAttribute("data-template-changed").replace("%s", changed) : "";
    };
    counter.setAttribute("data-template-changed", document.documentElement.lang === "en" ? "%s cells changed, not saved yet" : "変更したセル %s 件（未保存）");
    grid.addEventListener("change", mark);
    mark();
  }
})();
