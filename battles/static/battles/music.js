// The music arena: two players, listening measured and reported to the server, and the vote
// opening only when the server agrees both tracks were heard long enough.
import { clearProgress, csrfToken, exposureReport, showProgress } from "./media-common.js";
import { exposureTracker } from "./exposure.js";

const root = document.getElementById("music");
const minListen = Number(root.dataset.minListen || 5);
let hooks;

function heard(side) { return gate.state().heard[side] ?? 0; }
function required(side) { return gate.state().required[side] ?? minListen; }

function meter(side) {
  return document.querySelector(`.listen-meter[data-side="${side}"]`);
}

function showHeard() {
  for (const side of ["a", "b"]) {
    const el = meter(side);
    if (!el) continue;
    el.textContent = `Heard ${Math.min(heard(side), required(side)).toFixed(0)} of ${required(side).toFixed(0)} s needed`;
    el.classList.toggle("enough", heard(side) >= required(side));
  }
}

const gate = exposureTracker({
  send: (events) => exposureReport(hooks.page.battleId(), events),
  changed(state, opened) {
    showHeard();
    hooks.page.refreshVoting();
    if (opened) hooks.page.say("You heard both tracks: voting is open.");
  },
});

function feedbackForm() {
  const form = document.createElement("form");
  form.className = "feedback";
  form.id = "feedback";
  const label = document.createElement("label");
  label.htmlFor = "feedback-text";
  label.textContent = "Anything you liked or missed in either track? (optional)";
  const text = document.createElement("textarea");
  text.id = "feedback-text";
  text.rows = 2;
  text.maxLength = 2000;
  const button = document.createElement("button");
  button.type = "submit";
  button.textContent = "Send feedback";
  form.append(label, text, button);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const response = await fetch(`/b/${hooks.page.battleId()}/feedback`, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
      credentials: "same-origin",
      body: JSON.stringify({ text: text.value }),
    });
    const body = await response.json();
    hooks.page.say(response.ok ? "Thanks for the feedback." : body.message, !response.ok);
    if (response.ok) form.remove();
  });
  return form;
}

function lockMessage() {
  const part = (side) => `${side.toUpperCase()} ${Math.min(heard(side), required(side)).toFixed(0)} of ${required(side).toFixed(0)} s`;
  return `Listen to both tracks before voting: heard ${part("a")}, ${part("b")}.`;
}

hooks = window.arenaHooks = {
  voteBlocked: () => !gate.state().canVote,
  lockMessage,
  message(msg, box) {
    showProgress(box, msg);
    if (msg.type === "route") {
      const turn = document.querySelector(`li[data-turn="${msg.turn}"] .prompt`);
      if (!turn) return;
      const note = document.createElement("div");
      note.className = "music-route";
      const vocals = msg.instrumental ? "instrumental" : msg.lyrics_given ? "vocals with your lyrics" : "vocals, lyrics written by the model";
      note.textContent = `Request read as: ${vocals}, ${msg.duration_s} s`;
      turn.append(note);
    }
  },
  sideDone(box, msg) {
    clearProgress(box);
    const media = msg.media;
    if (!media || media.kind !== "audio") return;
    const audio = document.createElement("audio");
    audio.controls = true;
    audio.preload = "auto";
    audio.src = media.url;
    audio.className = "generated";
    audio.setAttribute("aria-label", `Track from Model ${msg.side.toUpperCase()}`);
    const heard = document.createElement("p");
    heard.className = "listen-meter";
    heard.dataset.side = msg.side;
    box.querySelector(".answer-body").replaceChildren(audio, heard);
    gate.player(msg.side, audio);
    showHeard();
  },
  restored(battle) {
    if (!battle.listening) return;
    gate.restore(battle.listening);
    showHeard();
  },
  voted() {
    document.getElementById("after").before(feedbackForm());
  },
  reset() {
    gate.reset();
    const form = document.getElementById("feedback");
    if (form) form.remove();
  },
};
