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
    document.querySelectorAll(".gs-cite > a[href^='#ref-']").forEach(function (link) {
      link.setAttribute("aria-label", "Reference " + link.textContent);
      link.setAttribute("aria-describedby", link.getAttribute("href").slice(1));
      link.addEventListener("mouseenter", function () { show(link); });
      link.addEventListener("focus", function () { show(link); });
      link.addEventListener("mouseleave", hide);
      link.addEventListener("blur", hide);
    });
    document.addEventListener("keydown", function (event) { if (event.key === "Escape") { hide(); } });
  }

  /* Citation numbers follow the text the reader sees: references are numbered in order of first
     citation in the visible text (the page is built numbered for the default audience), the list
     is put in that order, and each entry's back-link returns to its first visible citation.
     References cited only in hidden text keep their entries, after the others, without a back-link. */
  function renumber() {
    var numbers = {}, count = 0;
    var links = Array.prototype.slice.call(document.querySelectorAll(".gs-cite > a[href^='#ref-']"));
    links.forEach(function (link) {
      link.removeAttribute("id");
      if (link.closest("[hidden]")) { return; }
      var key = link.getAttribute("href").slice(5);
      if (!numbers[key]) {
        count += 1;
        numbers[key] = count;
        link.id = "cite-" + key;
      }
    });
    var list = document.querySelector(".gs-references ol");
    if (!list) { return; }
    var entries = Array.prototype.slice.call(list.children);
    entries.forEach(function (item, index) {
      var entry = item.querySelector("[id^='ref-']");
      var key = entry ? entry.id.slice(4) : "";
      if (!numbers[key]) { count += 1; numbers[key] = count; item.setAttribute("data-gs-unseen", ""); }
      else { item.removeAttribute("data-gs-unseen"); }
      item.setAttribute("data-gs-key", key);
      var back = item.querySelector(".gs-backlink");
      if (back) {
        back.hidden = item.hasAttribute("data-gs-unseen");
        back.setAttribute("aria-label", "Back to where reference " + numbers[key] + " is first cited");
      }
    });
    entries.sort(function (a, b) { return numbers[a.getAttribute("data-gs-key")] - numbers[b.getAttribute("data-gs-key")]; });
    entries.forEach(function (item) { list.appendChild(item); });
    links.forEach(function (link) {
      var number = numbers[link.getAttribute("href").slice(5)];
      link.textContent = String(number);
      link.setAttribute("aria-label", "Reference " + number);
    });
    /* Within one bracket, numbers in ascending order. */
    document.querySelectorAll(".gs-cite").forEach(function (group) {
      var inside = Array.prototype.slice.call(group.querySelectorAll("a"));
      if (inside.length < 2) { return; }
      inside.sort(function (a, b) { return Number(a.textContent) - Number(b.textContent); });
      while (group.firstChild) { group.removeChild(group.firstChild); }
      group.appendChild(document.createTextNode("\u00a0["));
      inside.forEach(function (a, i) {
        if (i) { group.appendChild(document.createTextNode(", ")); }
        group.appendChild(a);
      });
      group.appendChild(document.createTextNode("]"));
    });
  }

  /* The table of contents follows the audience: a heading the reader's audience does not see is
     left out, another audience's wording of a heading replaces it, and a section only another
     audience reads is put in where it stands on the page.  Built, it lists the default audience's. */
  function syncToc() {
    var lists = document.querySelectorAll("nav.md-nav--secondary > ul.md-nav__list");
    if (!lists.length) { return; }
    function item(link) { return link.closest("li"); }
    document.querySelectorAll("nav.md-nav--secondary a.md-nav__link[href^='#']").forEach(function (link) {
      if (link.hasAttribute("data-gs-added")) { return; }
      if (!link.hasAttribute("data-gs-href")) {
        link.setAttribute("data-gs-href", link.getAttribute("href"));
        link.setAttribute("data-gs-text", link.textContent.trim());
      }
      var id = link.getAttribute("data-gs-href").slice(1);
      var target = document.getElementById(id);
      if (!target) { return; }
      var text = link.querySelector(".md-ellipsis") || link;
      if (!target.closest("[hidden]")) {
        link.setAttribute("href", "#" + id);
        text.textContent = link.getAttribute("data-gs-text");
        item(link).hidden = false;
        return;
      }
      var other = document.querySelector("h2[data-gs-for='" + id + "']:not([hidden])");
      item(link).hidden = !other;
      if (other) {
        link.setAttribute("href", "#" + other.id);
        text.textContent = other.textContent;
      }
    });
    document.querySelectorAll("h2.gs-heading:not([data-gs-for])").forEach(function (heading) {
      lists.forEach(function (list) {
        var added = list.querySelector("a[data-gs-added='" + heading.id + "']");
        if (!added) {
          var model = list.querySelector(":scope > li");
          if (!model) { return; }
          var li = model.cloneNode(false);
          added = document.createElement("a");
          added.className = "md-nav__link";
          added.href = "#" + heading.id;
          added.setAttribute("data-gs-added", heading.id);
          var span = document.createElement("span");
          span.className = "md-ellipsis";
          span.textContent = heading.textContent;
          added.appendChild(span);
          li.appendChild(added);
          /* Before the entry of the next heading on the page that the list shows. */
          var next = null, found = false;
          document.querySelectorAll(".md-content h2[id]").forEach(function (h) {
            if (next) { return; }
            if (h === heading) { found = true; return; }
            if (found) { next = list.querySelector(":scope > li > a[data-gs-href='#" + h.id + "']"); }
          });
          list.insertBefore(li, next ? next.closest("li") : null);
        }
        added.closest("li").hidden = !!heading.closest("[hidden]") || heading.hidden;
      });
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
      /* A large site's index is in several bundles (generator/search.py): pagefind/, pagefind-1/, …
         merged here; each adds its metadata and one index chunk per query. */
      var merged = [];
      var count = parseInt(box.getAttribute("data-bundles") || "1", 10);
      for (var i = 1; i < count; i++) {
        merged.push({ bundlePath: new URL(bundle.replace(/pagefind\/$/, "pagefind-" + i + "/"), window.location.href).href });
      }
      var ui = new window.PagefindUI({ element: "#gs-search", showSubResults: true, showImages: false, resetStyles: false,
                                       mergeIndex: merged });
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
    if (!box) { renumber(); return; }
    var offered = Array.prototype.map.call(box.querySelectorAll('input[name="gs-audience"]'), function (i) { return i.value; });
    var choice = stored();
    if (offered.indexOf(choice) === -1) { choice = box.getAttribute("data-default"); }
    box.hidden = false;
    apply(document, choice);
    renumber();
    syncToc();
    box.addEventListener("change", function (event) {
      if (event.target && event.target.name === "gs-audience") {
        remember(event.target.value);
        apply(document, event.target.value);
        renumber();
        syncToc();
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
