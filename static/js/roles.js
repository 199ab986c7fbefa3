/* Account form: each role shows only the organisation field its kind needs (bureau → regional bureau,
   center → center, prefecture officer → prefecture, local government officer → code; headquarters none).
   Without JavaScript every field stays shown and the server checks the choice. */
(function () {
  "use strict";
  var TARGETS = { bureau: "region", center: "office", prefecture: "prefecture", municipality: "lg_code" };
  var FIELDS = ["region", "office", "prefecture", "lg_code"];
  document.querySelectorAll("fieldset.role-form").forEach(function (fieldset) {
    var kind = fieldset.querySelector('select[name$="-kind"]');
    if (!kind) { return; }
    function rowOf(name) {
      var input = fieldset.querySelector('[name$="-' + name + '"]');
      return input ? input.closest(".form-row") : null;
    }
    function update() {
      var wanted = TARGETS[kind.value];
      FIELDS.forEach(function (name) {
        var row = rowOf(name);
        if (!row) { return; }
        var input = row.querySelector("input, select");
        var hasError = row.querySelector(".errorlist");
        row.hidden = name !== wanted && !hasError && !(input && input.value && !kind.value);
      });
    }
    kind.addEventListener("change", update);
    update();
  });
})();
