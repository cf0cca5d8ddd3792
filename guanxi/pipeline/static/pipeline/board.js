/* The pipeline board's drag and drop (HTML5): dropping a card on another stage's column picks
   that stage in the card's own "move to" select and submits its form, which htmx posts; the
   board comes back re-rendered with the outcome (a stage may refuse a card that lacks its
   required fields). No inline code: the CSP forbids it. */
(function () {
  "use strict";
  var dragged = null;

  function column(el) { return el && el.closest ? el.closest(".board-column") : null; }

  document.addEventListener("dragstart", function (e) {
    var card = e.target.closest && e.target.closest(".board-card[draggable='true']");
    if (!card) return;
    dragged = card;
    card.classList.add("dragging");
    e.dataTransfer.effectAllowed = "move";
    e.dataTransfer.setData("text/plain", card.dataset.id);
  });

  document.addEventListener("dragend", function () {
    if (dragged) dragged.classList.remove("dragging");
    document.querySelectorAll(".drop-target").forEach(function (el) { el.classList.remove("drop-target"); });
    dragged = null;
  });

  document.addEventListener("dragover", function (e) {
    var col = column(e.target);
    if (!col || !dragged) return;
    e.preventDefault();
    e.dataTransfer.dropEffect = "move";
    document.querySelectorAll(".drop-target").forEach(function (el) { if (el !== col) el.classList.remove("drop-target"); });
    col.classList.add("drop-target");
  });

  document.addEventListener("drop", function (e) {
    var col = column(e.target);
    if (!col || !dragged) return;
    e.preventDefault();
    col.classList.remove("drop-target");
    var form = dragged.querySelector("form.card-move");
    var select = form && form.querySelector("select[name=stage]");
    if (!select || select.value === col.dataset.stage) return;
    select.value = col.dataset.stage;
    if (window.htmx) {
      window.htmx.trigger(form, "submit");
    } else {
      form.submit();
    }
  });
})();
