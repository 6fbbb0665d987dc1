/* Case pages: small behaviours, no dependencies; every page works without them.
 * - filter forms marked data-drop-empty leave empty fields out of the URL;
 * - a checkbox with data-check-group="g" ticks every box with data-group="g";
 * - [data-selected-count="name"] shows how many boxes named "name" are ticked;
 * - a form is sent once (a second click while it is on its way does nothing), and a form marked
 *   data-upload-progress shows a progress bar while its photos upload. */
(function () {
  "use strict";

  document.querySelectorAll("form[data-drop-empty]").forEach(function (form) {
    form.addEventListener("submit", function () {
      form.querySelectorAll("input, select").forEach(function (field) {
        var empty = field.tagName === "SELECT" ? !Array.prototype.some.call(field.options, function (o) { return o.selected && o.value; })
          : (field.type !== "checkbox" && field.type !== "radio" && !field.value);
        if (empty && field.name) field.disabled = true;
      });
    });
  });

  function updateCounts() {
    document.querySelectorAll("[data-selected-count]").forEach(function (out) {
      var name = out.getAttribute("data-selected-count");
      out.textContent = document.querySelectorAll('input[type=checkbox][name="' + name + '"]:checked').length;
    });
  }

  document.addEventListener("change", function (event) {
    var all = event.target.closest("[data-check-group]");
    if (all) {
      document.querySelectorAll('input[data-group="' + all.getAttribute("data-check-group") + '"]').forEach(function (box) {
        box.checked = all.checked;
      });
    }
    if (event.target.type === "checkbox") updateCounts();
  });
  updateCounts();

  // A fold-out list closes on a click elsewhere or Escape, like the header's menus.
  document.addEventListener("click", function (event) {
    var inside = event.target.closest("details.multi-select");
    document.querySelectorAll("details.multi-select[open]").forEach(function (el) {
      if (el !== inside) el.removeAttribute("open");
    });
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") {
      document.querySelectorAll("details.multi-select[open]").forEach(function (el) { el.removeAttribute("open"); });
    }
  });

  // Coming back with the browser's Back button restores the page as it was left: undo the above.
  window.addEventListener("pageshow", function () {
    document.querySelectorAll("form[data-drop-empty] [disabled]").forEach(function (field) { field.disabled = false; });
    document.querySelectorAll("form[data-sending]").forEach(function (form) { delete form.dataset.sending; });
    document.querySelectorAll(".upload-progress").forEach(function (bar) { bar.hidden = true; });
  });

  document.querySelectorAll("main form[method=post]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (form.dataset.sending) { event.preventDefault(); return; }
      form.dataset.sending = "1";
      window.setTimeout(function () { delete form.dataset.sending; }, 15000);
      if (form.hasAttribute("data-upload-progress")) {
        var bar = form.querySelector(".upload-progress");
        if (bar) { bar.removeAttribute("value"); bar.hidden = false; }
      }
    });
  });
})();
