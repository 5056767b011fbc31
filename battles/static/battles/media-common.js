// Shared by the image and music modules: a progress bar per answer box.

export function showProgress(box, msg) {
  if (!box || msg.type !== "progress") return;
  let bar = box.querySelector("progress.generation");
  if (!bar) {
    bar = document.createElement("progress");
    bar.className = "generation";
    bar.max = 1;
    bar.setAttribute("aria-label", `Progress of Model ${box.dataset.side.toUpperCase()}`);
    box.querySelector(".answer-body").append(bar);
  }
  bar.value = msg.fraction;
  bar.textContent = `${Math.round(msg.fraction * 100)}%`;
}

export function clearProgress(box) {
  const bar = box.querySelector("progress.generation");
  if (bar) bar.remove();
}
