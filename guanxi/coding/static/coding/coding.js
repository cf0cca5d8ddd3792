// Open coding (开放性编码): a selection in the source's text fills the coding form — the
// quote and its start and end, counted in characters (code points, as the server counts) —
// so the user chooses or types codes and presses "Code this" (htmx posts the form). Typing
// in the quote by hand clears the offsets: the server then finds the quote in the text.
// The last selection stays in the form when the selection goes (a tap into the code field).
(function () {
  "use strict";

  function root() { return document.getElementById("doc-text"); }

  function length(text) { return Array.from(text).length; }

  function offsetIn(container, node, offset) {
    var range = document.createRange();
    range.selectNodeContents(container);
    range.setEnd(node, offset);
    return length(range.toString());
  }

  function fill() {
    var container = root();
    var form = document.getElementById("code-form");
    var selection = window.getSelection();
    if (!container || !form || !selection || selection.rangeCount === 0 || selection.isCollapsed) return;
    var range = selection.getRangeAt(0);
    if (!container.contains(range.startContainer) || !container.contains(range.endContainer)) return;
    var start = offsetIn(container, range.startContainer, range.startOffset);
    var end = offsetIn(container, range.endContainer, range.endOffset);
    if (end <= start) return;
    var quote = Array.from(container.textContent).slice(start, end).join("");
    if (!quote.trim()) return;
    form.elements.quote.value = quote;
    form.elements.start.value = String(start);
    form.elements.end.value = String(end);
    form.classList.add("has-selection");
  }

  // A refused fragment (422: the quote is not in the text, no code chosen) comes back as the
  // panel with the messages next to the fields: swap it in like a success.
  document.addEventListener("htmx:beforeSwap", function (event) {
    if (event.detail.xhr.status === 422 && event.detail.target && event.detail.target.id === "coding-panel") {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  document.addEventListener("selectionchange", fill);
  document.addEventListener("mouseup", fill);
  document.addEventListener("touchend", fill);
  document.addEventListener("input", function (event) {
    var form = document.getElementById("code-form");
    if (form && event.target === form.elements.quote) {
      form.elements.start.value = "";
      form.elements.end.value = "";
    }
  });
})();
