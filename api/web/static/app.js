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
