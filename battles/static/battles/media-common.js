// Shared by the media modules (image, music, 3D): a progress bar per answer box, and the
// report of player or viewer events to the server's exposure gate.

export function csrfToken() {
  const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
  return match ? decodeURIComponent(match[1]) : "";
}

// Posts events to /b/<id>/listen, where the server measures listening or viewing by its own
// clock. Returns its answer ({heard, required_s, can_vote}), or null when it refused them;
// throws when it could not be reached, so the caller keeps the events for the next report.
export async function exposureReport(battleId, events) {
  const response = await fetch(`/b/${battleId}/listen`, {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
    credentials: "same-origin",
    body: JSON.stringify({ events }),
  });
  return response.ok ? response.json() : null;
}

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
