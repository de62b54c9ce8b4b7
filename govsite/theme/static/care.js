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
  document.addEventListener("DOMContentLoaded", function () {
    var button = document.getElementById("care-toggle");
    if (!button) return;
    button.hidden = false;
    show(button, root.classList.contains("care"));
    button.addEventListener("click", function () {
      var on = root.classList.toggle("care");
      show(button, on);
      try { localStorage.setItem(KEY, on ? "1" : "0"); } catch (e) { /* storage blocked */ }
    });
  });
})();
