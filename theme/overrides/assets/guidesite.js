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

  /* A page read after its review date says so even if it was built before. */
  function markOverdue() {
    var due = document.querySelector("time.gs-due");
    if (!due) { return; }
    var date = new Date(due.getAttribute("datetime") + "T00:00:00");
    if (isNaN(date) || date >= new Date()) { return; }
    document.querySelectorAll(".gs-overdue").forEach(function (flag) { flag.hidden = false; });
    var box = document.querySelector(".gs-approved");
    if (box) { box.classList.add("gs-approved--overdue"); }
  }

  /* Material's search panel is a dialog without a name; give it one for screen readers. */
  function nameDialogs() {
    document.querySelectorAll('.md-search[role="dialog"]:not([aria-label])').forEach(function (dialog) {
      dialog.setAttribute("aria-label", "Search this site");
    });
  }

  /* Citation tooltips: hovering or focusing a citation number shows its reference,
     read from the reference list entry the link points to, in one shared box; the
     same entry becomes the link's description for screen readers. */
  function citationTips() {
    var tip = document.createElement("div");
    tip.className = "gs-cite__tip";
    tip.setAttribute("role", "tooltip");
    tip.hidden = true;
    document.body.appendChild(tip);
    function show(link) {
      var source = document.getElementById(link.getAttribute("aria-describedby") || "");
      if (!source) { return; }
      tip.textContent = link.textContent + ". " + source.textContent;
      tip.hidden = false;
      var box = link.getBoundingClientRect();
      var width = Math.min(352, window.innerWidth - 16);
      tip.style.width = width + "px";
      tip.style.left = Math.max(8, Math.min(box.left + window.scrollX, window.scrollX + window.innerWidth - width - 8)) + "px";
      tip.style.top = (box.bottom + window.scrollY + 6) + "px";
    }
    function hide() { tip.hidden = true; }
    document.querySelectorAll("sup > a[href^='#ref-']").forEach(function (link) {
      link.setAttribute("aria-label", "Reference " + link.textContent);
      link.setAttribute("aria-describedby", link.getAttribute("href").slice(1));
      link.addEventListener("mouseenter", function () { show(link); });
      link.addEventListener("focus", function () { show(link); });
      link.addEventListener("mouseleave", hide);
      link.addEventListener("blur", hide);
    });
    document.addEventListener("keydown", function (event) { if (event.key === "Escape") { hide(); } });
  }

  /* Back-links: each reference entry links back to every citation of it in the text shown,
     numbered in reading order.  The page is built with those of the default audience; after
     a switch they are made again, so that none leads to a wording the reader has hidden. */
  function backLinks() {
    var uses = {}, numbers = {};
    document.querySelectorAll("sup > a[href^='#ref-']").forEach(function (link) {
      var key = link.getAttribute("href").slice(5);
      if (link.closest("[hidden]")) { link.removeAttribute("id"); return; }
      uses[key] = (uses[key] || 0) + 1;
      numbers[key] = link.textContent;
      link.id = "cite-" + numbers[key] + "-" + uses[key];
    });
    document.querySelectorAll(".gs-references li [id^='ref-']").forEach(function (entry) {
      var key = entry.id.slice(4);
      var count = uses[key] || 0;
      var box = entry.closest("li").querySelector(".gs-backlinks");
      if (!box) {
        if (!count) { return; }
        box = document.createElement("span");
        box.className = "gs-backlinks";
        entry.parentNode.appendChild(document.createTextNode(" "));
        entry.parentNode.appendChild(box);
      }
      box.textContent = "Cited at:";
      for (var n = 1; n <= count; n += 1) {
        var back = document.createElement("a");
        back.href = "#cite-" + numbers[key] + "-" + n;
        back.textContent = "\u21a9" + (count > 1 ? n : "");
        box.appendChild(document.createTextNode(" "));
        box.appendChild(back);
      }
      box.hidden = !count;
    });
  }

  /* Where the site's root is, from the page: Material writes it into its __config block. */
  function siteRoot() {
    try {
      var base = JSON.parse(document.getElementById("__config").textContent).base || ".";
      return base.replace(/\/?$/, "/");
    } catch (e) { return "/"; }
  }

  /* A search field in the header; it opens the search page with the query. */
  function headerSearch() {
    var header = document.querySelector(".md-header__inner");
    if (!header || header.querySelector(".gs-header-search")) { return; }
    var form = document.createElement("form");
    form.className = "gs-header-search";
    form.setAttribute("role", "search");
    form.action = siteRoot() + "search/";
    form.method = "get";
    var input = document.createElement("input");
    input.type = "search";
    input.name = "q";
    input.placeholder = "Search";
    input.setAttribute("aria-label", "Search the site");
    form.appendChild(input);
    header.appendChild(form);
  }

  /* The search page: Pagefind's interface on the static index built with the site. */
  function searchPage() {
    var box = document.getElementById("gs-search");
    if (!box) { return; }
    var bundle = box.getAttribute("data-bundle");
    var style = document.createElement("link");
    style.rel = "stylesheet";
    style.href = bundle + "pagefind-ui.css";
    document.head.appendChild(style);
    var script = document.createElement("script");
    script.src = bundle + "pagefind-ui.js";
    script.onload = function () {
      box.textContent = "";
      var ui = new window.PagefindUI({ element: "#gs-search", showSubResults: true, showImages: false, resetStyles: false });
      var input = box.querySelector("input");
      var heading = document.querySelector("h1[id]");
      if (input && heading) { input.setAttribute("aria-labelledby", heading.id); }
      var query = new URLSearchParams(window.location.search).get("q");
      if (query) { ui.triggerSearch(query); }
    };
    document.head.appendChild(script);
  }

  function setup() {
    headerSearch();
    searchPage();
    nameDialogs();
    citationTips();
    markOverdue();
    var box = document.querySelector(".gs-audience");
    if (!box) { backLinks(); return; }
    var offered = Array.prototype.map.call(box.querySelectorAll('input[name="gs-audience"]'), function (i) { return i.value; });
    var choice = stored();
    if (offered.indexOf(choice) === -1) { choice = box.getAttribute("data-default"); }
    box.hidden = false;
    apply(document, choice);
    backLinks();
    box.addEventListener("change", function (event) {
      if (event.target && event.target.name === "gs-audience") {
        remember(event.target.value);
        apply(document, event.target.value);
        backLinks();
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
