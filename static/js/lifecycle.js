/* Progressive enhancement of the lifecycle panels: every form works without this file.
   A form's feedback or error message carries data-focus-after-swap. When HTMX swaps it in
   (a requirement's card, the gate panel), the focus would otherwise fall back to the page:
   it moves to the message instead, so keyboard and screen-reader users hear what happened
   and carry on from there. A page that opens with such a message (a refused form, without
   JavaScript-driven swaps) focuses it too. */
(function () {
  "use strict";

  function focusMessage() {
    var messages = document.querySelectorAll("[data-focus-after-swap]");
    if (messages.length) {
      messages[0].focus();
    }
    messages.forEach(function (message) {
      message.removeAttribute("data-focus-after-swap");
    });
  }

  document.addEventListener("htmx:afterSettle", focusMessage);
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", focusMessage);
  } else {
    focusMessage();
  }
})();
