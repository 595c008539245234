/* Progressive enhancement only: every page works without this file.
   Header menus are <details>; here they also close on Escape, on a click elsewhere, and when
   another menu opens. */
(function () {
  "use strict";

  function menus() {
    return document.querySelectorAll("details[data-menu]");
  }

  document.addEventListener("click", function (event) {
    menus().forEach(function (menu) {
      if (menu.open && !menu.contains(event.target)) {
        menu.open = false;
      }
    });
  });

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") {
      return;
    }
    menus().forEach(function (menu) {
      if (menu.open) {
        menu.open = false;
        menu.querySelector("summary").focus();
      }
    });
  });

  document.addEventListener(
    "toggle",
    function (event) {
      var opened = event.target;
      if (!opened.matches || !opened.matches("details[data-menu]") || !opened.open) {
        return;
      }
      menus().forEach(function (menu) {
        if (menu !== opened) {
          menu.open = false;
        }
      });
    },
    true
  );
})();
