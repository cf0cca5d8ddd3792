// Lists: a "select all on this page" box for bulk actions. It lives in the results fragment,
// which htmx replaces, so the listener is delegated from the document. No inline script.
document.addEventListener("change", function (event) {
  var box = event.target;
  if (!box.matches || !box.matches("input[data-select-all]")) return;
  var table = box.closest("table");
  if (!table) return;
  table.querySelectorAll("tbody input[type=checkbox][name=ids]").forEach(function (row) {
    row.checked = box.checked;
  });
});
