// The meeting document viewer: the page list submits on change, arrow keys turn pages.
(function () {
  "use strict";
  document.addEventListener("change", function (event) {
    var select = event.target.closest("[data-autosubmit]");
    if (select && select.form) select.form.submit();
  });
  document.addEventListener("keydown", function (event) {
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    var target = event.target;
    if (target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName))) return;
    var link = document.querySelector('[data-key="' + event.key + '"]');
    if (link) { window.location.href = link.href; }
  });
  // a protected page: no right-click "save image" (the watermark stays on screenshots anyway)
  document.addEventListener("contextmenu", function (event) {
    if (event.target.matches && event.target.matches('.viewer-page[draggable="false"]')) event.preventDefault();
  });
})();
