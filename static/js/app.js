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

/* A photo over the server's limit (body[data-photo-max-bytes]) is refused as soon as it is chosen,
 * before a byte is uploaded: the choice is cleared and a message says which file and why. */
(function () {
  "use strict";

  function megabytes(bytes) {
    return (bytes / 1048576).toFixed(1).replace(/\.0$/, "");
  }

  document.addEventListener("change", function (event) {
    var input = event.target;
    if (!(input instanceof HTMLInputElement) || input.type !== "file") return;
    var limit = parseInt(document.body.getAttribute("data-photo-max-bytes"), 10);
    var old = input.parentNode.querySelector(".upload-too-large[data-for='" + input.name + "']");
    if (old) old.remove();
    if (!limit || !input.files) return;
    // A form kept by the phone's outbox (offline.js) shrinks JPEG, PNG and WebP photos before sending them.
    var shrinks = document.body.hasAttribute("data-offline-user") && input.closest("form[data-offline]");
    var tooLarge = Array.prototype.filter.call(input.files, function (file) {
      return file.size > limit && !(shrinks && /^image\/(jpeg|png|webp)$/i.test(file.type));
    });
    if (!tooLarge.length) return;
    var template = document.body.getAttribute("data-photo-too-large");
    var message = tooLarge
      .map(function (file) {
        return template
          .replace("{name}", file.name)
          .replace("{size}", megabytes(file.size))
          .replace("{max}", megabytes(limit));
      })
      .join(" ");
    input.value = "";
    var note = document.createElement("p");
    note.className = "upload-too-large errorlist";
    note.setAttribute("role", "alert");
    note.setAttribute("data-for", input.name);
    note.textContent = message;
    input.insertAdjacentElement("afterend", note);
  });
})();
