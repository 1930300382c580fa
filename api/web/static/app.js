// Comfort only: every page works without it.
document.addEventListener("submit", (event) => {
  const form = event.target;
  const button = event.submitter;
  const question = button && button.dataset.confirm;
  if (question && !window.confirm(question)) {
    event.preventDefault();
    return;
  }
  // One click, one command: the button waits for the answer.
  if (button) {
    setTimeout(() => { button.disabled = true; button.textContent = "Working…"; }, 0);
  }
  form.classList.add("busy");
});

// A page answering a form that shows a secret: reloading it asks for the plain page again
// (without the secret) instead of sending the form a second time.
const answered = document.querySelector("[data-url]");
if (answered) {
  history.replaceState(null, "", answered.dataset.url);
}

// A table or block wider than the screen scrolls inside itself; keyboard users reach it too.
function scrollableRegions() {
  for (const region of document.querySelectorAll(".scroll, table.list, pre")) {
    if (region.scrollWidth > region.clientWidth && !region.hasAttribute("tabindex")) {
      region.setAttribute("tabindex", "0");
      if (!region.hasAttribute("aria-label")) {
        const heading = region.closest("section, main")?.querySelector("h2, h1");
        region.setAttribute("aria-label", heading ? heading.textContent.trim() : "Scrollable table");
      }
    }
  }
}
scrollableRegions();
window.addEventListener("resize", scrollableRegions);
