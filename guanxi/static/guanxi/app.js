// Guanxi's only script of its own (no inline scripts: the site sends a Content-Security-Policy).
// 1. <details class="fold"> is folded on phones and always open on wider screens; the
//    stylesheet does this with ::details-content, this opens it where a browser lacks that.
//    <details class="open-on-wide"> starts open on wider screens, folded on phones.
// 2. Confirmations fade after a while (one with an Undo button stays longer); errors stay.
//    A new message or an error brought by htmx removes the confirmations shown before it.
// 3. A 429 answer (e.g. too many 查重 checks) is swapped in like any answer: it is a message.
// 4. Forms with data-confirm ask first; 5. the header's menus (details.dropdown);
// 6. a <select data-autosubmit> sends its form when changed (an onchange="" would be blocked);
// 7. a <button data-copy="id"> copies that element's text (a new API token) and says so.
(function () {
  "use strict";
  var wide = window.matchMedia("(min-width: 961px)");

  function openOnWideScreens() {
    if (!wide.matches) return;
    document.querySelectorAll("details.fold, details.open-on-wide").forEach(function (d) {
      d.open = true;
    });
  }

  function fadeMessages(root) {
    var fresh = ".messages .message:not(.error):not(.warning):not([data-timed])";
    (root || document).querySelectorAll(fresh).forEach(function (m) {
      m.setAttribute("data-timed", "1");
      var wait = m.querySelector("form") ? 20000 : 6000;
      setTimeout(function () {
        m.classList.add("fade");
        setTimeout(function () { m.remove(); }, 500);
      }, wait);
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    openOnWideScreens();
    fadeMessages();
  });
  wide.addEventListener("change", function () {
    if (wide.matches) document.querySelectorAll("details.fold").forEach(function (d) { d.open = true; });
  });
  document.addEventListener("htmx:load", function (event) { fadeMessages(event.target.parentNode); });
  // A confirmation belongs to the action that made it: when the next answer brings a message
  // or an error (a form's errors in place), the earlier confirmations go at once, not after
  // their 6 s (a review saw "Interaction recorded." next to the next save's errors).
  var confirmations = ".messages .message:not(.error):not(.warning)";
  var news = ".message, .form-errors, .has-error, [role=alert]";
  var earlier = [];
  document.addEventListener("htmx:beforeSwap", function () {
    earlier = Array.prototype.slice.call(document.querySelectorAll(confirmations));
  });
  document.addEventListener("htmx:load", function (event) {
    var root = event.target;
    if (!earlier.length || !root.matches) return;
    if (!root.matches(news) && !root.querySelector(news)) return;
    earlier.forEach(function (m) { if (!root.contains(m)) m.remove(); });
    earlier = [];
  });
  document.addEventListener("htmx:beforeSwap", function (event) {
    if (event.detail.xhr.status === 429) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });
  // 4. A form with data-confirm asks before it is sent (e.g. releasing a customer to the pool).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.dataset && form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);
  // 5. The header's menus (details.dropdown): on a laptop one open at a time, closed by a click
  //    elsewhere or Escape; on a phone always open inside the fold-out menu (the stylesheet does
  //    this with ::details-content, this opens them where a browser lacks that).
  var menus = ".site-header details.dropdown";
  function closeMenus(except) {
    document.querySelectorAll(menus + "[open]").forEach(function (d) { if (d !== except) d.open = false; });
  }
  function menusForWidth() {
    document.querySelectorAll(menus).forEach(function (d) { d.open = !wide.matches; });
  }
  document.addEventListener("DOMContentLoaded", menusForWidth);
  wide.addEventListener("change", menusForWidth);
  document.addEventListener("toggle", function (event) {
    if (wide.matches && event.target.matches && event.target.matches(menus) && event.target.open) closeMenus(event.target);
  }, true);
  document.addEventListener("click", function (event) {
    if (wide.matches && !event.target.closest(menus)) closeMenus(null);
  });
  document.addEventListener("keydown", function (event) {
    var open = wide.matches && event.key === "Escape" && document.querySelector(menus + "[open]");
    if (!open) return;
    closeMenus(null);
    open.querySelector("summary").focus();
  });
  // 6. A filter that applies itself (e.g. the quotes and contracts lists' status): the page's
  //    <noscript> button sends the form without JavaScript. requestSubmit() fires "submit", so
  //    data-confirm and htmx see it like a click on a submit button.
  document.addEventListener("change", function (event) {
    var field = event.target;
    if (!field.form || !field.hasAttribute || !field.hasAttribute("data-autosubmit")) return;
    if (field.form.requestSubmit) field.form.requestSubmit();
    else field.form.submit();
  });
  // 7. Copy: the button's data-copied text replaces its label for a moment (a review had to
  //    select a 40-character token by hand). Without the clipboard API (plain http) the text
  //    is selected instead, ready for Ctrl+C.
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("button[data-copy]");
    if (!button) return;
    var source = document.getElementById(button.getAttribute("data-copy"));
    if (!source) return;
    var label = button.textContent;
    function done() {
      button.textContent = button.getAttribute("data-copied") || label;
      setTimeout(function () { button.textContent = label; }, 2000);
    }
    function select() {
      var range = document.createRange();
      range.selectNodeContents(source);
      var selection = window.getSelection();
      selection.removeAllRanges();
      selection.addRange(range);
    }
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(source.textContent.trim()).then(done, select);
    } else {
      select();
    }
  });
})();
