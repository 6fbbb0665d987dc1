/* D = L × E × C as it is chosen, and its grade (risk.choices.level_of_score: 70 / 160 / 320). */
(function () {
  var form = document.getElementById("point-form");
  if (!form) return;
  var out = form.querySelector("[data-lec-score]"), badge = form.querySelector("[data-lec-level]");
  var bands = {};
  form.querySelectorAll("[data-band]").forEach(function (el) { bands[el.dataset.band] = el.textContent; });
  function update() {
    var values = ["likelihood", "exposure", "consequence"].map(function (name) {
      var select = form.querySelector('[data-lec="' + name + '"]');
      return select && select.value ? parseFloat(select.value) : NaN;
    });
    if (values.some(isNaN)) { out.textContent = "—"; badge.hidden = true; return; }
    var d = Math.round(values[0] * values[1] * values[2] * 100) / 100;
    var colour = d > 320 ? "red" : d > 160 ? "orange" : d > 70 ? "yellow" : "blue";
    out.textContent = String(d);
    badge.className = "risk-badge risk-" + colour;
    badge.textContent = bands[colour];
    badge.hidden = false;
  }
  form.addEventListener("change", update);
  update();
})();
