/* 关怀模式 (适老化): larger text and stronger contrast, remembered across pages.
   Loaded in <head> so the class is set before the page paints. The switch is in the page hidden
   and shown here: without JavaScript it could not work, so it is not offered. */
(function () {
  var KEY = "govsite-care";
  var root = document.documentElement;
  try { if (localStorage.getItem(KEY) === "1") root.classList.add("care"); } catch (e) { /* storage blocked */ }
  function show(button, on) {
    button.setAttribute("aria-pressed", on ? "true" : "false");
    var state = button.querySelector(".care-state");
    if (state) state.textContent = on ? "：开" : "：关";
  }
  root.classList.add("js");
  /* The scroll hint is shown only on the tables that do scroll sideways at this width. */
  function markScrolling() {
    var wraps = document.querySelectorAll(".table-wrap, .chart-draw");
    for (var i = 0; i < wraps.length; i++) {
      var scrolls = wraps[i].scrollWidth > wraps[i].clientWidth + 1;
      wraps[i].classList.toggle("scrolls", scrolls);
      /* a chart wider than the screen (关怀模式 on a phone) scrolls: reachable by keyboard too */
      if (wraps[i].classList.contains("chart-draw")) {
        if (scrolls) wraps[i].setAttribute("tabindex", "0"); else wraps[i].removeAttribute("tabindex");
      }
    }
  }
  window.addEventListener("resize", markScrolling);
  document.addEventListener("DOMContentLoaded", function () {
    markScrolling();
    var button = document.getElementById("care-toggle");
    if (!button) return;
    button.hidden = false;
    show(button, root.classList.contains("care"));
    button.addEventListener("click", function () {
      var on = root.classList.toggle("care");
      show(button, on);
      markScrolling();
      try { localStorage.setItem(KEY, on ? "1" : "0"); } catch (e) { /* storage blocked */ }
    });
  });
})();
