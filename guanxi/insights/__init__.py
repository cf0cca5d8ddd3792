"""Management dashboards (issue 9 item 5): one page per analysis theme over the current
scores, limited to the user's data scope, each chart with its method, an XLSX download and
links to the customers behind every cell or bar."""
