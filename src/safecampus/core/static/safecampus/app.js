/* Behaviours a page asks for with data- attributes. The Content Security Policy runs no inline
   code (no onclick="", no javascript: links), so these listen on the document instead:

   <form data-confirm="…">       asks the question before the form is sent;
   <select data-autosubmit>       sends its form when another option is chosen;
   <button data-print>            prints the page;
   <a href="#" data-back>         goes back a page;
   <div data-width="42">          is 42 % wide (progress bars): set through the CSSOM, which the
                                  policy allows, where a style="" attribute is refused — also
                                  in content htmx swaps in. */
(function () {
  "use strict";

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.dataset.confirm !== undefined && !window.confirm(form.dataset.confirm)) {
      event.preventDefault();
      event.stopPropagation();
    }
  }, true);

  document.addEventListener("change", function (event) {
    var field = event.target;
    if (field.matches("select[data-autosubmit]") && field.form) { field.form.submit(); }
  });

  document.addEventListener("click", function (event) {
    var target = event.target.closest("[data-print], [data-back]");
    if (!target) { return; }
    event.preventDefault();
    if (target.dataset.print !== undefined) { window.print(); } else { window.history.back(); }
  });

  function widths(root) {
    var bars = Array.prototype.slice.call(root.querySelectorAll("[data-width]"));
    if (root.matches && root.matches("[data-width]")) { bars.push(root); }
    bars.forEach(function (bar) { bar.style.width = bar.dataset.width + "%"; });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { widths(document); });
  } else {
    widths(document);
  }
  document.addEventListener("htmx:load", function (event) { widths(event.target); });
})();
