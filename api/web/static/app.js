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
