// Small behaviours shared by every page. No framework: htmx does the fetching.
document.addEventListener("click", function (event) {
  // Tree rows: a button loads the children once, then toggles them.
  var button = event.target.closest("[data-toggle-children]");
  if (!button) return;
  var target = document.getElementById(button.getAttribute("aria-controls"));
  if (!target) return;
  var open = button.getAttribute("aria-expanded") === "true";
  button.setAttribute("aria-expanded", open ? "false" : "true");
  button.textContent = open ? "▸" : "▾";
  target.hidden = open;
});
