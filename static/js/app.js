/* Small behaviours of the layout: dropdowns close on an outside click or Escape, messages can
 * be dismissed, the phone menu closes after a choice. No dependencies. */
(function () {
  "use strict";

  function closeDropdowns(except) {
    document.querySelectorAll("details.dropdown[open]").forEach(function (el) {
      if (el !== except) el.removeAttribute("open");
    });
  }

  document.addEventListener("click", function (event) {
    var inside = event.target.closest("details.dropdown");
    closeDropdowns(inside);
    var dismiss = event.target.closest("[data-dismiss]");
    if (dismiss) {
      var box = dismiss.closest(".message, [data-dismissable]");
      if (box) box.remove();
    }
  });

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    closeDropdowns(null);
    var toggle = document.getElementById("nav-toggle");
    if (toggle) toggle.checked = false;
  });

  // Rows of a table marked data-href open that page when clicked (links inside still work).
  document.addEventListener("click", function (event) {
    var row = event.target.closest("tr[data-href]");
    if (!row || event.target.closest("a, button, input, select, label, textarea")) return;
    window.location.href = row.getAttribute("data-href");
  });
})();
