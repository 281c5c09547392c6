// Starts Swagger UI on the document the page names (a file of its own: the page's CSP
// allows no inline script).
const root = document.getElementById("ui");
window.ui = SwaggerUIBundle({ url: root.dataset.url, dom_id: "#ui" });
