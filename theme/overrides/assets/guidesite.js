/* guidesite: the audience switch.  Without JavaScript the default audience's
   text is shown and the switch stays hidden, so no control does nothing. */
(function () {
  "use strict";
  var KEY = "guidesite.audience";

  function stored() {
    try { return window.localStorage.getItem(KEY); } catch (e) { return null; }
  }
  function remember(value) {
    try { window.localStorage.setItem(KEY, value); } catch (e) { /* private mode */ }
  }

  function apply(root, audience) {
    root.querySelectorAll("[data-audience]").forEach(function (el) {
      var wanted = el.getAttribute("data-audience").split(" ");
      el.hidden = wanted.indexOf(audience) === -1;
    });
    root.querySelectorAll('input[name="gs-audience"]').forEach(function (input) {
      input.checked = input.value === audience;
    });
  }

  function setup() {
    var box = document.querySelector(".gs-audience");
    if (!box) { return; }
    var offered = Array.prototype.map.call(box.querySelectorAll('input[name="gs-audience"]'), function (i) { return i.value; });
    var choice = stored();
    if (offered.indexOf(choice) === -1) { choice = box.getAttribute("data-default"); }
    box.hidden = false;
    apply(document, choice);
    box.addEventListener("change", function (event) {
      if (event.target && event.target.name === "gs-audience") {
        remember(event.target.value);
        apply(document, event.target.value);
      }
    });
  }

  if (window.document$ && typeof window.document$.subscribe === "function") {
    window.document$.subscribe(setup);  /* Material's instant navigation */
  } else if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setup);
  } else {
    setup();
  }
})();
