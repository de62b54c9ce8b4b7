/* 关怀模式 (适老化, issue 6): larger text and stronger contrast, remembered across pages.
   Loaded in <head> so the class is set before the page paints. */
(function () {
  var KEY = "govsite-care";
  var root = document.documentElement;
  try { if (localStorage.getItem(KEY) === "1") root.classList.add("care"); } catch (e) { /* storage blocked */ }
  document.addEventListener("DOMContentLoaded", function () {
    var button = document.getElementById("care-toggle");
    if (!button) return;
    button.setAttribute("aria-pressed", root.classList.contains("care") ? "true" : "false");
    button.addEventListener("click", function () {
      var on = root.classList.toggle("care");
      button.setAttribute("aria-pressed", on ? "true" : "false");
      try { localStorage.setItem(KEY, on ? "1" : "0"); } catch (e) { /* storage blocked */ }
    });
  });
})();
