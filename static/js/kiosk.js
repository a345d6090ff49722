// The door kiosk: an on-screen keypad for the PIN, and the way back to the PIN pad after a while.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var body = document.body;
    var seconds = parseInt(body.getAttribute("data-return-after") || "0", 10);
    var target = body.getAttribute("data-return-to");
    if (seconds > 0 && target) {
      window.setTimeout(function () { window.location.assign(target); }, seconds * 1000);
    }
    document.querySelectorAll(".kiosk-keypad").forEach(function (pad) {
      var input = document.getElementById(pad.getAttribute("data-for"));
      if (!input) { return; }
      pad.hidden = false;
      pad.addEventListener("click", function (event) {
        var key = event.target.closest("button");
        if (!key) { return; }
        if (key.hasAttribute("data-clear")) { input.value = ""; }
        else if (key.hasAttribute("data-digit") && input.value.length < 6) { input.value += key.getAttribute("data-digit"); }
      });
    });
  });
})();
