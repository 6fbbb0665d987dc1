/* The field pages' behaviours, no dependencies; every page works without them.
 *
 * - Photo inputs ([data-photo-input]): thumbnails of the chosen photos before upload, with their
 *   size; a photo over the limit (data-max-bytes on the form) is marked.
 * - Forms with [data-upload]: sent with XMLHttpRequest so a progress bar shows the upload
 *   (upload.onprogress). The server answers {"redirect": url} when done, or the page again
 *   (with its messages) when something was refused, which then replaces this one.
 * - [data-all-pass]: ticks "合格" on every checklist item of its form.
 * - A category select ([data-category-select]) prefills the severity select ([data-severity-select])
 *   with the category's default (option data-severity), and gets a search box above it: typing part
 *   of a name, a code or a group (e.g. 火灾, 有限空间) leaves only those choices; one left is chosen.
 * - [data-add-row]: adds a row to a Django formset from its <template>.
 * Texts shown by the script come from data-msg-* attributes written by the templates (translated).
 */
(function () {
  "use strict";

  function formatSize(bytes) {
    if (bytes >= 1024 * 1024) return (bytes / 1024 / 1024).toFixed(1) + " MB";
    return Math.max(1, Math.round(bytes / 1024)) + " KB";
  }

  function message(form, key, fallback) {
    return (form && form.getAttribute("data-msg-" + key)) || fallback;
  }

  // --- photo previews -------------------------------------------------------------------------
  function showPreviews(input) {
    var form = input.form;
    var maxBytes = form ? parseInt(form.getAttribute("data-max-bytes") || "0", 10) : 0;
    var list = input.parentNode.querySelector(".f-previews");
    if (!list) {
      list = document.createElement("ul");
      list.className = "f-previews";
      input.parentNode.insertBefore(list, input.nextSibling);
    }
    Array.prototype.forEach.call(list.querySelectorAll("img"), function (img) {
      URL.revokeObjectURL(img.src);
    });
    list.innerHTML = "";
    Array.prototype.forEach.call(input.files || [], function (file) {
      var item = document.createElement("li");
      if (maxBytes && file.size > maxBytes) item.className = "is-too-large";
      if (/^image\//.test(file.type) && window.URL && URL.createObjectURL) {
        var img = document.createElement("img");
        img.alt = file.name;
        img.src = URL.createObjectURL(file);
        item.appendChild(img);
      }
      var size = document.createElement("span");
      size.className = "f-size";
      size.textContent = formatSize(file.size);
      item.appendChild(size);
      list.appendChild(item);
    });
  }

  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target.matches && target.matches("input[type=file][data-photo-input]")) showPreviews(target);
    if (target.matches && target.matches("[data-category-select]")) {
      var scope = target.closest("[data-severity-scope]") || target.form;
      var severity = scope && scope.querySelector("[data-severity-select]");
      var option = target.options[target.selectedIndex];
      if (severity && option && option.getAttribute("data-severity")) {
        severity.value = option.getAttribute("data-severity");
      }
    }
  });

  // --- category search ---------------------------------------------------------------------------
  function filterCategories(select, query) {
    var q = query.trim().toLowerCase();
    var shown = [];
    Array.prototype.forEach.call(select.querySelectorAll("optgroup"), function (group) {
      var groupMatches = group.label.toLowerCase().indexOf(q) !== -1;
      var any = false;
      Array.prototype.forEach.call(group.querySelectorAll("option"), function (option) {
        var match = !q || groupMatches || option.text.toLowerCase().indexOf(q) !== -1;
        option.hidden = !match;
        option.disabled = !match;
        if (match) {
          any = true;
          shown.push(option);
        }
      });
      group.hidden = !any;
    });
    if (q && shown.length === 1 && select.value !== shown[0].value) {
      select.value = shown[0].value;
      select.dispatchEvent(new Event("change", { bubbles: true }));
    }
  }

  Array.prototype.forEach.call(document.querySelectorAll("select[data-category-select]"), function (select) {
    var box = document.createElement("input");
    box.type = "search";
    box.className = "category-search";
    box.placeholder = select.getAttribute("data-search-placeholder") || "";
    box.setAttribute("aria-label", box.placeholder);
    box.setAttribute("aria-controls", select.id);
    box.addEventListener("input", function () {
      filterCategories(select, box.value);
    });
    select.parentNode.insertBefore(box, select);
  });

  // --- upload with progress -------------------------------------------------------------------
  function setBusy(form, busy) {
    Array.prototype.forEach.call(form.querySelectorAll("button[type=submit], button:not([type])"), function (b) {
      b.disabled = busy;
    });
  }

  function replaceDocument(html) {
    document.open();
    document.write(html);
    document.close();
    window.scrollTo(0, 0);
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.hasAttribute("data-upload") || !window.FormData || !window.XMLHttpRequest) return;
    if (typeof form.checkValidity === "function" && !form.checkValidity()) return;
    event.preventDefault();
    var data = new FormData(form);
    var submitter = event.submitter;
    if (submitter && submitter.name) data.append(submitter.name, submitter.value);
    var box = form.querySelector(".f-progress");
    var bar = box && box.querySelector("progress");
    var text = box && box.querySelector(".f-progress-text");
    if (box) box.classList.add("is-active");
    if (bar) bar.removeAttribute("value");
    setBusy(form, true);

    var xhr = new XMLHttpRequest();
    xhr.open("POST", form.getAttribute("action") || window.location.href);
    xhr.setRequestHeader("X-Requested-With", "XMLHttpRequest");
    xhr.upload.onprogress = function (e) {
      if (!e.lengthComputable || !bar) return;
      var percent = Math.round((e.loaded / e.total) * 100);
      bar.max = 100;
      bar.value = percent;
      if (text) {
        // Full-width brackets in Chinese pages, "45% (1.2 MB / 3 MB)" in English ones.
        var zh = (document.documentElement.lang || "").indexOf("zh") === 0;
        text.textContent = message(form, "uploading", "Uploading") + " " + percent + "%" + (zh ? "（" : " (") +
          formatSize(e.loaded) + " / " + formatSize(e.total) + (zh ? "）" : ")");
      }
    };
    xhr.upload.onload = function () {
      if (text) text.textContent = message(form, "processing", "Processing…");
    };
    xhr.onload = function () {
      var type = xhr.getResponseHeader("Content-Type") || "";
      if (type.indexOf("application/json") === 0) {
        try {
          var answer = JSON.parse(xhr.responseText);
          if (answer.redirect) {
            window.location.assign(answer.redirect);
            return;
          }
        } catch (ignore) { /* fall through to the page */ }
      }
      if (type.indexOf("text/html") === 0 && xhr.responseText) {
        replaceDocument(xhr.responseText);
        return;
      }
      setBusy(form, false);
      if (text) text.textContent = message(form, "failed", "Upload failed") + " (" + xhr.status + ")";
    };
    xhr.onerror = function () {
      setBusy(form, false);
      if (text) text.textContent = message(form, "failed", "Upload failed");
    };
    xhr.send(data);
  });

  // --- tick every item "合格" --------------------------------------------------------------------
  document.addEventListener("click", function (event) {
    var all = event.target.closest && event.target.closest("[data-all-pass]");
    if (all) {
      event.preventDefault();
      var scope = all.form || all.closest("form") || document;
      Array.prototype.forEach.call(scope.querySelectorAll("input[type=radio][value=pass]"), function (radio) {
        radio.checked = true;
      });
    }
    var add = event.target.closest && event.target.closest("[data-add-row]");
    if (add) {
      event.preventDefault();
      var prefix = add.getAttribute("data-add-row");
      var template = document.getElementById(prefix + "-template");
      var total = document.getElementById("id_" + prefix + "-TOTAL_FORMS");
      var rows = document.getElementById(prefix + "-rows");
      var max = document.getElementById("id_" + prefix + "-MAX_NUM_FORMS");
      if (!template || !total || !rows) return;
      var index = parseInt(total.value, 10);
      if (max && index >= parseInt(max.value, 10)) return;
      var holder = document.createElement("div");
      holder.innerHTML = template.innerHTML.replace(/__prefix__/g, String(index)).replace(/__num__/g, String(index + 1));
      while (holder.firstChild) rows.appendChild(holder.firstChild);
      total.value = String(index + 1);
    }
  });
})();
