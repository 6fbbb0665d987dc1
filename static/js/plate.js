/* The plate page's check-in (巡更打卡, templates/risk/plates/plate.html). On opening, ask the phone for
 * its position (10 s at most); with one, fill it into the form and send it: the server records the
 * check-in, measures the distance to the unit and flags it when far. Refused, unsupported (plain HTTP)
 * or too slow: say so and leave the button, which checks in without a position (flagged
 * no_position). Without JavaScript the button does the same. */
(function () {
  "use strict";

  var form = document.getElementById("plate-checkin-form");
  if (!form) return;
  var status = document.getElementById("plate-status");
  var button = document.getElementById("plate-checkin-button");
  var retry = document.getElementById("plate-retry");
  var sent = false;

  function say(text) { if (status && text) status.textContent = text; }

  function field(name, value) {
    var input = form.querySelector("input[name='" + name + "']");
    if (input) input.value = value == null ? "" : String(value);
  }

  function send() {
    if (sent) return;
    sent = true;
    button.disabled = true;
    form.submit();
  }

  function failed(message) {
    field("latitude", ""); field("longitude", ""); field("accuracy", "");
    say(message);
    button.disabled = false;
    if (retry) retry.hidden = false;
    form.setAttribute("data-position", "none");
  }

  function locate() {
    if (!navigator.geolocation) {
      failed(form.getAttribute("data-unsupported"));
      return;
    }
    say(form.getAttribute("data-locating"));
    button.disabled = true;
    if (retry) retry.hidden = true;
    form.setAttribute("data-position", "asking");
    // A permission prompt left unanswered does not start the timeout: free the button anyway.
    setTimeout(function () {
      if (!sent && form.getAttribute("data-position") === "asking") failed(form.getAttribute("data-denied"));
    }, 12000);
    navigator.geolocation.getCurrentPosition(function (position) {
      var c = position.coords;
      field("latitude", c.latitude.toFixed(7));
      field("longitude", c.longitude.toFixed(7));
      field("accuracy", Math.round(c.accuracy * 10) / 10);
      form.setAttribute("data-position", "got");
      say(form.getAttribute("data-located"));
      send();
    }, function (error) {
      failed(error && error.code === 2 ? form.getAttribute("data-unsupported") : form.getAttribute("data-denied"));
    }, { enableHighAccuracy: true, timeout: 10000, maximumAge: 30000 });
  }

  form.addEventListener("submit", function (event) {
    if (sent) { event.preventDefault(); return; }
    sent = true;
    button.disabled = true;
  });
  if (retry) retry.addEventListener("click", function () { sent = false; locate(); });
  locate();
})();
