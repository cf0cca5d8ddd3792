// Lists: a "select all on this page" box for bulk actions. It lives in the results fragment,
// which htmx replaces, so the listener is delegated from the document. No inline script.
document.addEventListener("change", function (event) {
  var box = event.target;
  // a ticked row opens the folded bulk actions (customers/_list_body.html)
  if (box.matches && box.checked && box.matches("input[name=ids], input[data-select-all]")) {
    var fold = document.getElementById("bulk-fold");
    if (fold) fold.open = true;
  }
  if (!box.matches || !box.matches("input[data-select-all]")) return;
  var table = box.closest("table");
  if (!table) return;
  table.querySelectorAll("tbody input[type=checkbox][name=ids]").forEach(function (row) {
    row.checked = box.checked;
  });
});

// A list's filter form sends only the filters that are set: htmx would send (and push into the
// address bar) every field, ~30 empty ones after a search. The server reads a missing parameter
// as an empty one. htmx 2 gives the request's FormData as detail.formData.
document.addEventListener("htmx:configRequest", function (event) {
  var form = event.detail.elt;
  var data = event.detail.formData;
  if (!form || !form.matches || !form.matches("form.filters") || !data) return;
  var names = [];
  data.forEach(function (value, name) {
    if (names.indexOf(name) === -1) names.push(name);
  });
  names.forEach(function (name) {
    var values = data.getAll(name);
    var kept = values.filter(function (value) { return typeof value !== "string" || value !== ""; });
    if (kept.length === values.length) return;
    data.delete(name);
    kept.forEach(function (value) { data.append(name, value); });
  });
});

// A search box with its own trigger (hx-trigger "input changed … from:input[name=q]") has sent
// what was typed already; the change event it fires on losing focus would send the same search
// again, and when the focus went to "Next page →" that late answer replaced the next page with
// the first (a new-user review). The box's change stops here; the other filters' go on.
document.addEventListener("change", function (event) {
  var box = event.target;
  if (!box.matches || !box.matches("input[name=q]") || !box.form) return;
  if ((box.form.getAttribute("hx-trigger") || "").indexOf("from:input[name=q]") === -1) return;
  event.stopPropagation();
}, true);
