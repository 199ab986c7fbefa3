/* Site-wide behaviour, served by the site (no inline script: the Content-Security-Policy forbids it).
   Progressive enhancement: without JavaScript the menu stays open and every page still works. */
(function () {
  "use strict";
  var root = document.documentElement;
  root.classList.add("js-menu");

  function setUpMenu() {
    var button = document.querySelector(".menu-button");
    var nav = document.getElementById("site-nav");
    if (!button || !nav) { return; }
    button.addEventListener("click", function () {
      var open = nav.classList.toggle("is-open");
      button.setAttribute("aria-expanded", open ? "true" : "false");
    });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && nav.classList.contains("is-open")) {
        nav.classList.remove("is-open");
        button.setAttribute("aria-expanded", "false");
        button.focus();
      }
    });
  }

  /* Print buttons (印刷): a plain button that asks the browser to print the page. */
  function setUpPrint() {
    document.querySelectorAll("[data-print]").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () { window.print(); });
    });
  }

  /* An error summary takes the focus, so a screen reader announces it first. */
  function focusErrorSummary() {
    var summary = document.querySelector(".error-summary");
    if (summary) { summary.focus(); }
  }

  function ready() {
    setUpMenu();
    setUpPrint();
    focusErrorSummary();
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", ready);
  } else {
    ready();
  }
})();
