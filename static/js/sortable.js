/* Sortable tables: every <table class="sortable"> with a <thead> gets a button in each
   header cell; clicking it sorts the body rows by that column (numbers, dates, text),
   ascending then descending, and sets aria-sort on the header. A paginated table sorts
   the rows of the page shown. No inline script (the Content-Security-Policy forbids it). */
(function () {
  "use strict";

  var MONTHS = { jan: 0, feb: 1, mar: 2, apr: 3, may: 4, jun: 5, jul: 6, aug: 7, sep: 8, sept: 8,
                 oct: 9, nov: 10, dec: 11 };

  function cellText(row, index) {
    var cell = row.cells[index];
    if (!cell) return "";
    var explicit = cell.getAttribute("data-sort");
    return (explicit !== null ? explicit : cell.textContent).replace(/\s+/g, " ").trim();
  }

  // A number: optional sign (-, −, or parentheses), currency $, thousands commas, optional %.
  function asNumber(text) {
    var t = text.replace(/\u2212/g, "-").replace(/\s/g, "");
    var negative = false;
    if (/^\(.*\)$/.test(t)) { negative = true; t = t.slice(1, -1); }
    var m = /^([+-]?)(?:A?\$|\u00a3)?([+-]?)(\d{1,3}(?:,\d{3})+|\d+)?(\.\d+)?%?$/.exec(t);  // $, A$ or £ (the locale's)
    if (!m || (m[3] === undefined && m[4] === undefined)) return null;
    var value = parseFloat((m[3] || "0").replace(/,/g, "") + (m[4] || ""));
    if (m[1] === "-" || m[2] === "-") negative = !negative;
    return negative ? -value : value;
  }

  // A date: 2026-11-23 (optionally with a time), "Nov 23, 2026", "23 Nov 2026", "Mon 23 Nov 2026".
  function asDate(text) {
    var m = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{1,2}):(\d{2}))?/.exec(text);
    if (m) return Date.UTC(+m[1], +m[2] - 1, +m[3], +(m[4] || 0), +(m[5] || 0));
    m = /^(?:[A-Za-z]{3},?\s+)?([A-Za-z]{3,5})\.?\s+(\d{1,2}),?\s+(\d{4})/.exec(text);
    if (m && MONTHS[m[1].toLowerCase().slice(0, 4)] !== undefined) {
      return Date.UTC(+m[3], MONTHS[m[1].toLowerCase().slice(0, 4)], +m[2]);
    }
    if (m && MONTHS[m[1].toLowerCase().slice(0, 3)] !== undefined) {
      return Date.UTC(+m[3], MONTHS[m[1].toLowerCase().slice(0, 3)], +m[2]);
    }
    m = /^(?:[A-Za-z]{3},?\s+)?(\d{1,2})\s+([A-Za-z]{3})[a-z]*\.?\s+(\d{4})/.exec(text);
    if (m && MONTHS[m[2].toLowerCase()] !== undefined) return Date.UTC(+m[3], MONTHS[m[2].toLowerCase()], +m[1]);
    return null;
  }

  // The kind of a column: the first kind every non-empty cell parses as.
  function keyFunction(rows, index) {
    var texts = rows.map(function (row) { return cellText(row, index); }).filter(function (t) {
      return t !== "" && t !== "—" && t !== "-";
    });
    if (texts.length && texts.every(function (t) { return asNumber(t) !== null; })) return asNumber;
    if (texts.length && texts.every(function (t) { return asDate(t) !== null; })) return asDate;
    return null;
  }

  var collator = new Intl.Collator(undefined, { numeric: true, sensitivity: "base" });

  function sortBy(table, th, index) {
    var body = table.tBodies[0];
    if (!body) return;
    var rows = Array.prototype.slice.call(body.rows);
    var ascending = th.getAttribute("aria-sort") !== "ascending";
    var key = keyFunction(rows, index);
    var decorated = rows.map(function (row, position) {
      var text = cellText(row, index);
      return { row: row, position: position, text: text, key: key ? key(text) : null };
    });
    decorated.sort(function (a, b) {
      var result;
      if (key) {
        if (a.key === null && b.key === null) result = 0;
        else if (a.key === null) return 1;  // empty cells last either way
        else if (b.key === null) return -1;
        else result = a.key - b.key;
      } else {
        if (a.text === "" && b.text !== "") return 1;
        if (b.text === "" && a.text !== "") return -1;
        result = collator.compare(a.text, b.text);
      }
      if (!ascending) result = -result;
      return result || a.position - b.position;
    });
    decorated.forEach(function (d) { body.appendChild(d.row); });
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (other) {
      if (other !== th) other.removeAttribute("aria-sort");
    });
    th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
  }

  function enhance(table) {
    if (table.getAttribute("data-sortable-ready") || !table.tHead || !table.tHead.rows.length) return;
    table.setAttribute("data-sortable-ready", "1");
    var headerRow = table.tHead.rows[table.tHead.rows.length - 1];
    Array.prototype.forEach.call(headerRow.cells, function (th, index) {
      if (th.hasAttribute("data-nosort") || th.colSpan > 1 || th.textContent.trim() === "") return;
      if (th.querySelector("a, button, input, select")) return;
      var button = document.createElement("button");
      button.type = "button";
      button.className = "sort-button";
      while (th.firstChild) button.appendChild(th.firstChild);
      th.appendChild(button);
      button.addEventListener("click", function () { sortBy(table, th, index); });
    });
  }

  function enhanceAll(root) {
    Array.prototype.forEach.call((root || document).querySelectorAll("table.sortable"), enhance);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", function () { enhanceAll(); });
  else enhanceAll();
  // Tables swapped in by htmx.
  document.addEventListener("htmx:afterSwap", function (event) { enhanceAll(event.target); });

  window.hubSortable = { asNumber: asNumber, asDate: asDate, enhanceAll: enhanceAll };
})();
