/* The field app without signal (cases.views.offline; README "The field app offline"). Loaded only for the
 * field roles (body[data-offline-user]). No dependencies; every page still works without it.
 *
 * - Registers the service worker (/sw.js) and makes the phone this user's: another user's kept pages
 *   are dropped (their unsent records stay, hidden, until they sign in again or sign out).
 * - Keeps the user's field pages for offline use when the home opens online (pages.json), and says
 *   when they were last refreshed; offline, a banner says the page is the phone's copy and of when.
 * - The outbox: a form marked data-offline (hazard report, checklist inspection, rectification) is
 *   written to IndexedDB first, with its photos shrunk on the phone (long side ≤ 1,920 px, JPEG, the
 *   original's EXIF kept) and a client key (client_id) and the time of capture (captured_at), then sent.
 *   Without signal it stays in the outbox and is sent when the network returns (or on demand); the
 *   server records it once per key (core.idempotency). A refusal stays in the outbox with the server's
 *   message, to fix (修改) or discard (丢弃); nothing is dropped silently.
 * - Signing out clears the phone's outbox and kept pages (asking first when records are unsent).
 * Texts come from data-msg-* attributes written by the templates (translated).
 */
(function () {
  "use strict";

  var body = document.body;
  var USER = body.getAttribute("data-offline-user");
  if (!USER || !window.indexedDB || !window.Promise || !window.FormData) return;

  var DB_NAME = "field-outbox";
  var STORE = "entries";
  var PAGES = "pages";
  var STATIC = "static";
  var OWNER = "offline-owner";
  var MAX_SIDE = 1920;
  var QUALITY = 0.85;
  var REFRESH_EVERY_MS = 30 * 60 * 1000;
  var zh = (document.documentElement.lang || "zh").indexOf("zh") === 0;

  function t(zhText, enText) {
    return zh ? zhText : enText;
  }

  // --- the phone's store (IndexedDB) ------------------------------------------------------------
  var dbPromise = null;

  function db() {
    if (!dbPromise) {
      dbPromise = new Promise(function (resolve, reject) {
        var open = indexedDB.open(DB_NAME, 2);
        open.onupgradeneeded = function () {
          if (open.result.objectStoreNames.contains(STORE)) return;
          var store = open.result.createObjectStore(STORE, { keyPath: "id" });
          store.createIndex("user", "user");
        };
        open.onsuccess = function () {
          resolve(open.result);
        };
        open.onerror = function () {
          reject(open.error);
        };
      });
    }
    return dbPromise;
  }

  function request(mode, work) {
    return db().then(function (database) {
      return new Promise(function (resolve, reject) {
        var tx = database.transaction(STORE, mode);
        var result = work(tx.objectStore(STORE));
        tx.oncomplete = function () {
          resolve(result && "result" in result ? result.result : undefined);
        };
        tx.onerror = function () {
          reject(tx.error);
        };
        tx.onabort = function () {
          reject(tx.error);
        };
      });
    });
  }

  function entries() {
    return request("readonly", function (store) {
      return store.index("user").getAll(USER);
    }).then(function (list) {
      return (list || []).sort(function (a, b) {
        return a.created - b.created;
      });
    });
  }

  function getEntry(id) {
    return request("readonly", function (store) {
      return store.get(id);
    });
  }

  function putEntry(entry) {
    return request("readwrite", function (store) {
      store.put(entry);
    }).then(updateBadge);
  }

  function deleteEntry(id) {
    return request("readwrite", function (store) {
      store.delete(id);
    }).then(updateBadge);
  }

  function newId() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return Array.prototype.map
      .call(bytes, function (b) {
        return (b + 256).toString(16).slice(1);
      })
      .join("");
  }

  // --- the phone belongs to this user; the service worker -----------------------------------------
  function claimPhone() {
    if (!window.caches) return Promise.resolve();
    return caches.open(OWNER).then(function (cache) {
      return cache
        .match("/owner")
        .then(function (answer) {
          return answer ? answer.text() : "";
        })
        .then(function (owner) {
          if (owner === USER) return null;
          localStorage.removeItem("offline-refreshed");
          return caches.delete(PAGES).then(function () {
            return cache.put("/owner", new Response(USER));
          });
        });
    });
  }

  var ready = claimPhone().catch(function () {});
  if ("serviceWorker" in navigator) {
    ready = ready.then(function () {
      return navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(function () {});
    });
  }

  // --- keep the field pages --------------------------------------------------------------------
  function refreshedNote() {
    var kept = null;
    try {
      kept = JSON.parse(localStorage.getItem("offline-refreshed") || "null");
    } catch (ignore) {
      kept = null;
    }
    return kept && kept.user === USER ? kept : null;
  }

  function formatTime(iso) {
    var d = new Date(iso);
    if (isNaN(d)) return iso;
    function two(n) {
      return (n < 10 ? "0" : "") + n;
    }
    return d.getFullYear() + "-" + two(d.getMonth() + 1) + "-" + two(d.getDate()) + " " + two(d.getHours()) + ":" + two(d.getMinutes());
  }

  function showRefreshed(box, kept, busy) {
    if (!box) return;
    box.textContent = busy
      ? t("正在保存离线页面…", "Saving pages for offline use…")
      : kept
        ? t("离线数据更新于 ", "Offline data refreshed ") + formatTime(kept.at) + t("（" + kept.pages + " 个页面）", " (" + kept.pages + " pages)")
        : t("尚未保存离线页面。", "No pages saved for offline use yet.");
    box.setAttribute("data-offline-state", busy ? "busy" : kept ? "kept" : "none");
  }

  function keepPages(box, force) {
    var kept = refreshedNote();
    if (!window.caches || !navigator.onLine) return Promise.resolve();
    if (!force && kept && Date.now() - new Date(kept.at).getTime() < REFRESH_EVERY_MS) return Promise.resolve();
    showRefreshed(box, kept, true);
    return ready
      .then(function () {
        return fetch(body.getAttribute("data-offline-pages"), { credentials: "same-origin" });
      })
      .then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        return response.json();
      })
      .then(function (list) {
        return Promise.all([caches.open(PAGES), caches.open(STATIC)]).then(function (opened) {
          var pages = opened[0];
          var assets = opened[1];
          var count = 0;
          var queue = list.pages.slice();
          function worker() {
            var url = queue.shift();
            if (!url) return Promise.resolve();
            return fetch(url, { credentials: "same-origin" })
              .then(function (response) {
                if (response.ok && !response.redirected && response.headers.get("X-Offline-User") === USER) {
                  count += 1;
                  return pages.put(url, response);
                }
                return null;
              })
              .catch(function () {})
              .then(worker);
          }
          return Promise.all([assets.addAll(list.assets).catch(function () {}), worker(), worker(), worker()]).then(function () {
            var note = { user: USER, at: list.at, pages: count };
            localStorage.setItem("offline-refreshed", JSON.stringify(note));
            showRefreshed(box, note, false);
          });
        });
      })
      .catch(function () {
        showRefreshed(box, refreshedNote(), false);
      });
  }

  // --- offline banner and outbox badge ----------------------------------------------------------
  function offlineBanner() {
    var main = document.getElementById("main");
    if (!main) return;
    var banner = document.querySelector("[data-offline-banner]");
    if (!banner) {
      banner = document.createElement("p");
      banner.className = "offline-banner";
      banner.setAttribute("data-offline-banner", "");
      banner.setAttribute("role", "status");
      main.insertBefore(banner, main.firstChild);
    }
    var rendered = body.getAttribute("data-rendered-at");
    banner.textContent =
      t("没有网络：这是保存在手机上的页面，数据更新于 ", "Offline: this page is the copy kept on the phone, as of ") +
      formatTime(rendered) +
      t("。录入的记录先保存在手机上，联网后自动发送。", ". What you record is kept on the phone and sent when the network returns.");
    banner.hidden = navigator.onLine;
  }

  function updateBadge() {
    return entries()
      .then(function (list) {
        Array.prototype.forEach.call(document.querySelectorAll("[data-outbox-count]"), function (el) {
          el.textContent = String(list.length);
        });
        Array.prototype.forEach.call(document.querySelectorAll("[data-outbox-badge]"), function (el) {
          el.hidden = list.length === 0;
        });
        return list;
      })
      .catch(function () {
        return [];
      });
  }

  // --- photos shrunk on the phone, EXIF kept ----------------------------------------------------
  function u16(b, o, little) {
    return little ? b[o] | (b[o + 1] << 8) : (b[o] << 8) | b[o + 1];
  }

  function u32(b, o, little) {
    return little
      ? (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)) >>> 0
      : ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;
  }

  // The original's APP1 "Exif" segment, with its orientation set to 1 (the pixels are drawn upright).
  function exifSegment(b) {
    if (b[0] !== 0xff || b[1] !== 0xd8) return null;
    var i = 2;
    while (i + 10 <= b.length && b[i] === 0xff) {
      var marker = b[i + 1];
      var length = (b[i + 2] << 8) | b[i + 3];
      if (marker === 0xda) break;
      if (marker === 0xe1 && b[i + 4] === 0x45 && b[i + 5] === 0x78 && b[i + 6] === 0x69 && b[i + 7] === 0x66) {
        var segment = b.slice(i, i + 2 + length);
        var tiff = 10;
        var little = segment[tiff] === 0x49;
        var ifd = tiff + u32(segment, tiff + 4, little);
        var count = ifd + 2 <= segment.length ? u16(segment, ifd, little) : 0;
        for (var k = 0; k < count; k++) {
          var entry = ifd + 2 + k * 12;
          if (entry + 12 > segment.length) break;
          if (u16(segment, entry, little) === 0x0112) {
            segment[entry + 8] = little ? 1 : 0;
            segment[entry + 9] = little ? 0 : 1;
          }
        }
        return segment;
      }
      i += 2 + length;
    }
    return null;
  }

  function shrink(file) {
    if (!/^image\/(jpeg|png|webp)$/i.test(file.type) || !window.createImageBitmap) return Promise.resolve(file);
    return file
      .arrayBuffer()
      .then(function (buffer) {
        return createImageBitmap(file, { imageOrientation: "from-image" }).then(function (bitmap) {
          var long = Math.max(bitmap.width, bitmap.height);
          if (long <= MAX_SIDE && file.size <= 1024 * 1024) {
            bitmap.close();
            return file;
          }
          var scale = Math.min(1, MAX_SIDE / long);
          var canvas = document.createElement("canvas");
          canvas.width = Math.round(bitmap.width * scale);
          canvas.height = Math.round(bitmap.height * scale);
          canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
          bitmap.close();
          return new Promise(function (resolve) {
            canvas.toBlob(resolve, "image/jpeg", QUALITY);
          }).then(function (blob) {
            if (!blob) return file;
            var exif = /jpeg/i.test(file.type) ? exifSegment(new Uint8Array(buffer)) : null;
            return blob.arrayBuffer().then(function (out) {
              var bytes = new Uint8Array(out);
              var parts = exif ? [bytes.subarray(0, 2), exif, bytes.subarray(2)] : [bytes];
              var name = file.name.replace(/\.[^.]*$/, "") + ".jpg";
              return new File(parts, name, { type: "image/jpeg", lastModified: file.lastModified });
            });
          });
        });
      })
      .catch(function () {
        return file;
      });
  }

  // --- the outbox: capture ------------------------------------------------------------------------
  function csrfToken() {
    var cookie = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    if (cookie) return decodeURIComponent(cookie[1]);
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function capture(form) {
    var data = new FormData(form);
    var fields = [];
    var waits = [];
    data.forEach(function (value, name) {
      if (name === "csrfmiddlewaretoken" || name === "client_id" || name === "captured_at") return;
      if (typeof value === "string") fields.push([name, value]);
      else if (value && value.size) {
        waits.push(
          shrink(value).then(function (file) {
            return { name: name, blob: file, filename: file.name || "photo.jpg" };
          })
        );
      }
    });
    return Promise.all(waits).then(function (files) {
      return {
        id: form.getAttribute("data-outbox-id") || newId(),
        user: USER,
        url: form.getAttribute("action") || window.location.pathname + window.location.search,
        page: window.location.pathname + window.location.search,
        next: form.getAttribute("data-offline-next") || window.location.pathname,
        label: form.getAttribute("data-offline-label") || document.title,
        captured_at: form.getAttribute("data-captured-at") || new Date().toISOString(),
        fields: fields,
        files: files,
        state: "pending",
        message: "",
        errors: {},
        created: Date.now(),
      };
    });
  }

  // Sends one entry; resolves to {ok, redirect, message} or {kept: state} (the entry is updated).
  function send(entry, progress) {
    var data = new FormData();
    entry.fields.forEach(function (pair) {
      data.append(pair[0], pair[1]);
    });
    data.append("client_id", entry.id);
    data.append("captured_at", entry.captured_at);
    entry.files.forEach(function (file) {
      data.append(file.name, file.blob, file.filename);
    });
    return new Promise(function (resolve) {
      var xhr = new XMLHttpRequest();
      xhr.open("POST", entry.url);
      xhr.setRequestHeader("X-Requested-With", "XMLHttpRequest");
      xhr.setRequestHeader("X-Outbox", "1");
      xhr.setRequestHeader("X-CSRFToken", csrfToken());
      if (progress) {
        xhr.upload.onprogress = function (e) {
          if (e.lengthComputable) progress(Math.round((e.loaded / e.total) * 100));
        };
      }
      xhr.onload = function () {
        var answer = null;
        try {
          answer = JSON.parse(xhr.responseText);
        } catch (ignore) {
          answer = null;
        }
        if (xhr.status === 200 && answer && answer.redirect) {
          deleteEntry(entry.id).then(function () {
            resolve({ ok: true, redirect: answer.redirect, message: answer.message });
          });
          return;
        }
        if (xhr.status === 401 || (xhr.status === 403 && !answer)) {
          entry.state = "auth";
          entry.message = (answer && answer.message) || t("登录已过期：请重新登录后再发送。", "Your session has ended: sign in again, then send.");
        } else if (xhr.status >= 400 && xhr.status < 500) {
          entry.state = "refused";
          entry.message = (answer && answer.message) || t("提交未被接受（" + xhr.status + "）。", "Not accepted (" + xhr.status + ").");
          entry.errors = (answer && answer.errors) || {};
        } else {
          entry.state = "pending";
          entry.message = t("服务器暂时无法处理（" + xhr.status + "），稍后自动重试。", "The server could not take it now (" + xhr.status + "); it will be sent again.");
        }
        putEntry(entry).then(function () {
          resolve({ kept: entry.state });
        });
      };
      xhr.onerror = function () {
        entry.state = "pending";
        entry.message = "";
        putEntry(entry).then(function () {
          resolve({ kept: "pending", offline: true });
        });
      };
      xhr.send(data);
    });
  }

  function formAlert(form, text, saved) {
    var box = form.querySelector(".ob-form-alert");
    if (!box) {
      box = document.createElement("div");
      box.className = "ob-form-alert";
      box.setAttribute("role", "alert");
      form.insertBefore(box, form.firstChild);
    }
    box.classList.toggle("is-saved", !!saved);
    box.textContent = text;
  }

  function showFieldErrors(form, errors) {
    Array.prototype.forEach.call(form.querySelectorAll(".ob-field-errors"), function (el) {
      el.remove();
    });
    Object.keys(errors || {}).forEach(function (name) {
      var field = form.querySelector('[name="' + name + '"]');
      if (!field) return;
      var list = document.createElement("ul");
      list.className = "errorlist ob-field-errors";
      errors[name].forEach(function (text) {
        var item = document.createElement("li");
        item.textContent = text;
        list.appendChild(item);
      });
      var holder = field.closest(".f-field, .field, p, div") || field.parentNode;
      holder.appendChild(list);
    });
  }

  function flash(text) {
    sessionStorage.setItem("outbox-flash", text);
  }

  function setBusy(form, busy) {
    form.toggleAttribute("data-busy", busy);
    Array.prototype.forEach.call(form.querySelectorAll("button[type=submit], button:not([type])"), function (b) {
      b.disabled = busy;
    });
    var bar = form.querySelector(".f-progress, progress.upload-progress");
    if (bar) {
      if (bar.classList.contains("f-progress")) bar.classList.toggle("is-active", busy);
      else bar.hidden = !busy;
    }
  }

  function progressOf(form) {
    var box = form.querySelector(".f-progress");
    var bar = (box && box.querySelector("progress")) || form.querySelector("progress.upload-progress");
    var text = box && box.querySelector(".f-progress-text");
    return function (percent) {
      if (bar) {
        bar.max = 100;
        bar.value = percent;
      }
      if (text) text.textContent = t("正在上传 ", "Uploading ") + percent + "%";
    };
  }

  document.addEventListener(
    "submit",
    function (event) {
      var form = event.target;
      if (!form.hasAttribute || !form.hasAttribute("data-offline")) return;
      event.preventDefault();
      event.stopImmediatePropagation();
      if (form.hasAttribute("data-busy")) return; // a double tap sends once
      if (typeof form.checkValidity === "function" && !form.checkValidity()) {
        form.reportValidity();
        return;
      }
      setBusy(form, true);
      formAlert(form, t("正在保存到手机…", "Saving on the phone…"), true);
      capture(form)
        .then(function (entry) {
          form.setAttribute("data-outbox-id", entry.id);
          form.setAttribute("data-captured-at", entry.captured_at);
          return putEntry(entry).then(function () {
            if (!navigator.onLine) return { kept: "pending", offline: true };
            formAlert(form, t("正在发送…", "Sending…"), true);
            return send(entry, progressOf(form));
          });
        })
        .then(function (result) {
          if (result.ok) {
            window.location.assign(result.redirect);
            return;
          }
          if (result.kept === "pending") {
            flash(t("已保存到手机的“待发送”：联网后自动发送。", "Kept in the phone's outbox: it is sent when the network returns."));
            window.location.assign(form.getAttribute("data-offline-next") || body.getAttribute("data-outbox-url"));
            return;
          }
          return getEntry(form.getAttribute("data-outbox-id")).then(function (entry) {
            setBusy(form, false);
            formAlert(form, entry ? entry.message : "", false);
            showFieldErrors(form, entry ? entry.errors : {});
            form.scrollIntoView();
          });
        })
        .catch(function (error) {
          setBusy(form, false);
          formAlert(form, t("无法保存到手机：", "Could not keep it on the phone: ") + error, false);
        });
    },
    true
  );

  // --- the outbox: sending what is kept ---------------------------------------------------------
  var syncing = null;

  function syncAll(includeRefused) {
    if (syncing) return syncing;
    if (!navigator.onLine) return Promise.resolve(0);
    var run = function () {
      return entries().then(function (list) {
        var sent = 0;
        var todo = list.filter(function (entry) {
          return entry.state === "pending" || entry.state === "auth" || (includeRefused && entry.state === "refused");
        });
        return todo
          .reduce(function (chain, entry) {
            return chain.then(function () {
              entry.state = "sending";
              renderOutbox();
              return send(entry).then(function (result) {
                if (result.ok) sent += 1;
              });
            });
          }, Promise.resolve())
          .then(function () {
            return sent;
          });
      });
    };
    syncing = (navigator.locks ? navigator.locks.request("field-outbox", run) : run())
      .then(function (sent) {
        syncing = null;
        updateBadge();
        renderOutbox(sent);
        return sent;
      })
      .catch(function () {
        syncing = null;
        return 0;
      });
    return syncing;
  }

  // --- the outbox page ----------------------------------------------------------------------------
  function renderOutbox(sent) {
    var list = document.querySelector("[data-outbox-list]");
    if (!list) return Promise.resolve();
    function msg(key) {
      return list.getAttribute("data-msg-" + key) || key;
    }
    var status = document.querySelector("[data-outbox-status]");
    if (status) {
      var parts = [];
      if (!navigator.onLine) parts.push(msg("offline"));
      if (sent) parts.push(msg("sent").replace("{n}", sent));
      status.textContent = parts.join(" ");
    }
    return entries().then(function (items) {
      list.innerHTML = "";
      if (!items.length) {
        var empty = document.createElement("p");
        empty.className = "empty";
        empty.setAttribute("data-outbox-empty", "");
        empty.textContent = msg("empty");
        list.appendChild(empty);
        return;
      }
      var ul = document.createElement("ul");
      ul.className = "ob-list";
      items.forEach(function (entry) {
        var li = document.createElement("li");
        li.className = "ob-entry is-" + entry.state;
        li.setAttribute("data-outbox-entry", entry.id);
        li.setAttribute("data-state", entry.state);
        var head = document.createElement("div");
        head.className = "ob-head";
        var label = document.createElement("span");
        label.className = "ob-label";
        label.textContent = entry.label;
        var state = document.createElement("span");
        state.className = "ob-state pill" + (entry.state === "refused" || entry.state === "auth" ? " pill-red" : " pill-amber");
        state.textContent = msg(entry.state);
        head.appendChild(label);
        head.appendChild(state);
        li.appendChild(head);
        var meta = document.createElement("p");
        meta.className = "ob-meta";
        meta.textContent = msg("captured") + " " + formatTime(entry.captured_at) + " · " + entry.files.length + " " + msg("photos");
        li.appendChild(meta);
        if (entry.message) {
          var message = document.createElement("p");
          message.className = "ob-message";
          message.setAttribute("data-outbox-message", "");
          message.textContent = entry.message;
          li.appendChild(message);
        }
        var errorTexts = [];
        Object.keys(entry.errors || {}).forEach(function (name) {
          errorTexts = errorTexts.concat(entry.errors[name]);
        });
        if (errorTexts.length) {
          var errs = document.createElement("ul");
          errs.className = "ob-errors";
          errorTexts.forEach(function (text) {
            var item = document.createElement("li");
            item.textContent = text;
            errs.appendChild(item);
          });
          li.appendChild(errs);
        }
        var actions = document.createElement("div");
        actions.className = "ob-actions";
        [
          ["retry", "btn btn-sm btn-primary"],
          ["edit", "btn btn-sm"],
          ["discard", "btn btn-sm btn-danger"],
        ].forEach(function (pair) {
          var button = document.createElement("button");
          button.type = "button";
          button.className = pair[1];
          button.setAttribute("data-outbox-action", pair[0]);
          button.textContent = msg(pair[0]);
          actions.appendChild(button);
        });
        li.appendChild(actions);
        ul.appendChild(li);
      });
      list.appendChild(ul);
    }).catch(function (error) {
      list.textContent = t("无法读取手机上保存的记录：", "Could not read what the phone keeps: ") + error;
    });
  }

  document.addEventListener("click", function (event) {
    var sendAll = event.target.closest && event.target.closest("[data-outbox-send]");
    if (sendAll) {
      syncAll(true);
      return;
    }
    var button = event.target.closest && event.target.closest("[data-outbox-action]");
    if (!button) return;
    var id = button.closest("[data-outbox-entry]").getAttribute("data-outbox-entry");
    var list = document.querySelector("[data-outbox-list]");
    var action = button.getAttribute("data-outbox-action");
    getEntry(id).then(function (entry) {
      if (!entry) return renderOutbox();
      if (action === "discard") {
        if (!window.confirm(list.getAttribute("data-msg-confirm-discard"))) return null;
        return deleteEntry(id).then(function () {
          return renderOutbox();
        });
      }
      if (action === "edit") {
        window.location.assign(entry.page + "#outbox=" + encodeURIComponent(entry.id));
        return null;
      }
      entry.state = "sending";
      return renderOutbox().then(function () {
        return send(entry).then(function () {
          return renderOutbox();
        });
      });
    });
  });

  // --- a kept record opened again in its form (修改) ----------------------------------------------
  function restore() {
    var match = window.location.hash.match(/^#outbox=(.+)$/);
    if (!match) return;
    var id = decodeURIComponent(match[1]);
    getEntry(id).then(function (entry) {
      if (!entry) return;
      var form = null;
      Array.prototype.forEach.call(document.querySelectorAll("form[data-offline]"), function (candidate) {
        var action = candidate.getAttribute("action") || window.location.pathname + window.location.search;
        if (!form && action === entry.url) form = candidate;
      });
      if (!form) return;
      form.setAttribute("data-outbox-id", entry.id);
      form.setAttribute("data-captured-at", entry.captured_at);
      var byName = {};
      entry.fields.forEach(function (pair) {
        (byName[pair[0]] = byName[pair[0]] || []).push(pair[1]);
      });
      Array.prototype.forEach.call(form.elements, function (el) {
        if (!el.name || el.type === "file" || el.name === "csrfmiddlewaretoken" || !(el.name in byName)) return;
        var values = byName[el.name];
        if (el.type === "checkbox" || el.type === "radio") el.checked = values.indexOf(el.value) !== -1;
        else if (el.multiple && el.options) {
          Array.prototype.forEach.call(el.options, function (o) {
            o.selected = values.indexOf(o.value) !== -1;
          });
        } else el.value = values[0];
      });
      if (window.DataTransfer) {
        var byInput = {};
        entry.files.forEach(function (file) {
          (byInput[file.name] = byInput[file.name] || new DataTransfer()).items.add(
            new File([file.blob], file.filename, { type: file.blob.type })
          );
        });
        Object.keys(byInput).forEach(function (name) {
          var input = form.querySelector('input[type=file][name="' + name + '"]');
          if (!input) return;
          input.files = byInput[name].files;
          input.dispatchEvent(new Event("change", { bubbles: true }));
        });
      }
      if (entry.message) formAlert(form, entry.message, false);
      showFieldErrors(form, entry.errors);
    });
  }

  // --- sign-out clears the phone --------------------------------------------------------------------
  function clearPhone() {
    var jobs = [
      request("readwrite", function (store) {
        var cursor = store.index("user").openCursor(USER);
        cursor.onsuccess = function () {
          if (cursor.result) {
            cursor.result.delete();
            cursor.result.continue();
          }
        };
      }),
    ];
    if (window.caches) {
      jobs.push(caches.delete(PAGES), caches.delete(OWNER));
    }
    localStorage.removeItem("offline-refreshed");
    return Promise.all(jobs).catch(function () {});
  }

  document.addEventListener(
    "submit",
    function (event) {
      var form = event.target;
      if (!form.hasAttribute || !form.hasAttribute("data-logout") || form.hasAttribute("data-cleared")) return;
      event.preventDefault();
      entries()
        .then(function (list) {
          if (list.length && !window.confirm((form.getAttribute("data-msg-unsent") || "").replace("{n}", list.length))) {
            return false;
          }
          return clearPhone().then(function () {
            return true;
          });
        })
        .then(function (go) {
          if (!go) return;
          form.setAttribute("data-cleared", "");
          form.submit();
        });
    },
    true
  );

  // --- start ------------------------------------------------------------------------------------------
  function start() {
    offlineBanner();
    window.addEventListener("online", function () {
      offlineBanner();
      syncAll(false);
    });
    window.addEventListener("offline", offlineBanner);
    var text = sessionStorage.getItem("outbox-flash");
    if (text) {
      sessionStorage.removeItem("outbox-flash");
      var main = document.getElementById("main");
      var note = document.createElement("p");
      note.className = "ob-form-alert is-saved";
      note.setAttribute("data-outbox-flash", "");
      note.setAttribute("role", "status");
      note.textContent = text;
      if (main) main.insertBefore(note, main.firstChild);
    }
    var refresh = document.querySelector("[data-offline-refresh]");
    if (refresh) {
      showRefreshed(refresh.querySelector("[data-offline-refreshed]"), refreshedNote(), false);
      refresh.addEventListener("click", function (event) {
        if (event.target.closest("[data-offline-keep]")) keepPages(refresh.querySelector("[data-offline-refreshed]"), true);
      });
      keepPages(refresh.querySelector("[data-offline-refreshed]"), false);
    }
    updateBadge();
    renderOutbox();
    restore();
    if (navigator.onLine) syncAll(false);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
