// Filters a long list of standards (or table rows) as one types: the page's
// <div class="filter-bar" data-filter-items="SELECTOR" hidden> holds a search box and, if it
// wants one, a "not rated" checkbox (data-filter-unrated): each item matching SELECTOR stays
// shown when its heading (or, for a row, its text) contains every word typed, and, with the box
// ticked, when its level picker is still empty. Groups (data-filter-group) with nothing left
// are hidden, closed <details> with a match open. The bar stays hidden without JavaScript:
// the page then shows everything, grouped by condition in <details>.
(function () {
  "use strict";
  var bars = document.querySelectorAll(".filter-bar[data-filter-items]");
  Array.prototype.forEach.call(bars, function (bar) {
    var items = Array.prototype.slice.call(document.querySelectorAll(bar.getAttribute("data-filter-items")));
    var search = bar.querySelector("input[type=search]");
    var unrated = bar.querySelector("input[data-filter-unrated]");
    var count = bar.querySelector(".filter-count");
    var groups = Array.prototype.slice.call(document.querySelectorAll("[data-filter-group]"));
    var texts = items.map(function (el) {
      var head = el.querySelector("h3, h4, th");
      return ((head || el).textContent || "").toLowerCase().replace(/\s+/g, " ");
    });
    var timer = null;

    function apply() {
      var words = (search ? search.value : "").toLowerCase().split(/\s+/).filter(Boolean);
      var onlyUnrated = unrated && unrated.checked;
      var shown = 0;
      items.forEach(function (el, i) {
        var ok = words.every(function (w) { return texts[i].indexOf(w) !== -1; });
        if (ok && onlyUnrated) {
          var picker = el.querySelector("select");
          ok = !!picker && picker.value === "";
        }
        el.hidden = !ok;
        if (ok) { shown += 1; }
      });
      groups.forEach(function (g) {
        var any = g.querySelector(bar.getAttribute("data-filter-items") + ":not([hidden])");
        g.hidden = !any;
        if (any && g.tagName === "DETAILS" && (words.length || onlyUnrated)) { g.open = true; }
      });
      if (count) { count.textContent = shown + " / " + items.length; }
    }

    bar.hidden = false;
    if (search) {
      search.addEventListener("input", function () {
        clearTimeout(timer);
        timer = setTimeout(apply, items.length > 300 ? 150 : 0);
      });
    }
    if (unrated) { unrated.addEventListener("change", apply); }
    apply();
  });
})();
