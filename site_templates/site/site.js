// The bulletin sites' own script (after Material's): wide tables say that they scroll, a pasted
// search query is searched at once, the search dialog has a name for screen readers.
(function () {
  "use strict";
  var HINT = "表格较宽：左右滑动可查看其余各列（第一列固定）。";

  // What a table is about: the fold-out's summary it sits in, else the heading before it,
  // else its first column's header.
  function topicOf(wrap) {
    var details = wrap.closest("details");
    var summary = details && details.querySelector("summary");
    if (summary) return summary.textContent.trim();
    for (var el = wrap.previousElementSibling; el; el = el.previousElementSibling) {
      if (/^H[1-6]$/.test(el.tagName)) return el.textContent.replace(/\u00b6\s*$/, "").trim();
    }
    var head = wrap.querySelector("th");
    return head ? head.textContent.trim() : "";
  }

  // Every table's name, told apart: a topic shared by several tables is numbered.
  function names(wraps) {
    var topics = [], count = {}, seen = {};
    for (var i = 0; i < wraps.length; i++) {
      topics.push(topicOf(wraps[i]));
      count[topics[i]] = (count[topics[i]] || 0) + 1;
    }
    return topics.map(function (topic) {
      seen[topic] = (seen[topic] || 0) + 1;
      var name = "可左右滚动的表格" + (topic ? "：" + topic : "");
      return count[topic] > 1 ? name + "（第" + seen[topic] + "个）" : name;
    });
  }

  function markTable(wrap, wide, name) {
    wrap.classList.add("measured");
    wrap.classList.toggle("scrolls", wide);
    // A region that scrolls can be reached and scrolled with the keyboard too.
    if (wide) {
      wrap.setAttribute("tabindex", "0");
      wrap.setAttribute("role", "region");
      wrap.setAttribute("aria-label", name);
    } else if (wrap.getAttribute("tabindex") === "0") {
      wrap.removeAttribute("tabindex");
      wrap.removeAttribute("role");
      wrap.removeAttribute("aria-label");
    }
    var before = wrap.previousElementSibling;
    var hinted = before && before.classList.contains("scroll-hint");
    if (wide && !hinted) {
      var note = document.createElement("p");
      note.className = "scroll-hint";
      note.textContent = HINT;
      wrap.parentNode.insertBefore(note, wrap);
    } else if (!wide && hinted) {
      before.parentNode.removeChild(before);
    }
  }

  // A table far from the screen is not laid out (content-visibility: auto in bulletin.css: a
  // page of ten rankings lays out only what is shown, Lighthouse's blocking time on a phone
  // 1.7 s -> 0.04 s); it is measured when it comes near, as a closed fold-out when opened.
  function laidOut(wrap) {
    var table = wrap.querySelector("table");
    return !(table && table.checkVisibility) || table.checkVisibility({ contentVisibilityAuto: true });
  }

  function markTables() {
    var wraps = document.querySelectorAll(".md-typeset .table-wrap");
    var named = names(wraps);
    // Measure every table first, then change the page: one layout, not one per table.
    var wide = [];
    for (var i = 0; i < wraps.length; i++) {
      var shown = wraps[i].offsetParent !== null; // a closed fold-out is measured when opened
      wide.push(!shown ? null : laidOut(wraps[i]) ? wraps[i].scrollWidth > wraps[i].clientWidth + 1 : "later");
    }
    for (var j = 0; j < wraps.length; j++) {
      if (wide[j] === "later") reachable(wraps[j], named[j]);
      else if (wide[j] !== null) markTable(wraps[j], wide[j], named[j]);
    }
  }

  // Until it is measured, a table not laid out yet may scroll: it can be reached with the
  // keyboard (reached, it comes into view and is measured).
  function reachable(wrap, name) {
    if (wrap.classList.contains("measured")) return;
    wrap.setAttribute("tabindex", "0");
    wrap.setAttribute("role", "region");
    wrap.setAttribute("aria-label", name);
  }

  function start() {
    markTables();
    var wraps = document.querySelectorAll(".md-typeset .table-wrap");
    for (var i = 0; i < wraps.length; i++) {
      wraps[i].addEventListener("contentvisibilityautostatechange", function (event) {
        if (!event.skipped) markTables();
      });
    }
    var dialog = document.querySelector('.md-search[role="dialog"]');
    if (dialog && !dialog.hasAttribute("aria-label")) dialog.setAttribute("aria-label", "站内搜索");
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();

  var pending = null;
  window.addEventListener("resize", function () {
    if (pending) clearTimeout(pending);
    pending = setTimeout(function () { markTables(); }, 150);
  });
  document.addEventListener("toggle", function (event) {
    if (event.target && event.target.open) markTables();
  }, true);

  // Material searches on keyup: a query pasted with the mouse, dropped, or ended by an input
  // method without a key would wait for the next key press. Pass every change on as a keyup.
  document.addEventListener("input", function (event) {
    var box = event.target;
    if (box && box.matches && box.matches("input.md-search__input")) {
      box.dispatchEvent(new KeyboardEvent("keyup", { bubbles: true }));
    }
  }, true);
})();
