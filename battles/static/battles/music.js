// The music arena: two players, listening measured and reported to the server, and the vote
// opening only when the server agrees both tracks were heard long enough.
import { clearProgress, csrfToken, exposureReport, showProgress } from "./media-common.js";

const root = document.getElementById("music");
const minListen = Number(root.dataset.minListen || 5);
const listen = { canVote: false, heard: { a: 0, b: 0 }, required: { a: minListen, b: minListen }, queue: [], timer: null };
const players = {};
let hooks;

function meter(side) {
  return document.querySelector(`.listen-meter[data-side="${side}"]`);
}

function showHeard() {
  for (const side of ["a", "b"]) {
    const el = meter(side);
    if (!el) continue;
    const heard = Math.min(listen.heard[side], listen.required[side]);
    el.textContent = `Heard ${heard.toFixed(0)} of ${listen.required[side].toFixed(0)} s needed`;
    el.classList.toggle("enough", listen.heard[side] >= listen.required[side]);
  }
}

async function flush() {
  const battleId = hooks.page.battleId();
  if (!listen.queue.length || !battleId) return;
  const events = listen.queue.splice(0, 50);
  try {
    const body = await exposureReport(battleId, events);
    if (!body) return;
    listen.heard = body.heard;
    listen.required = body.required_s;
    const wasOpen = listen.canVote;
    listen.canVote = body.can_vote;
    showHeard();
    hooks.page.refreshVoting();
    if (listen.canVote && !wasOpen) hooks.page.say("You heard both tracks: voting is open.");
  } catch (error) {
    listen.queue.unshift(...events);
  }
}

function record(side, kind, audio) {
  listen.queue.push({ side, kind, position: audio.currentTime, t: performance.now() });
  if (kind !== "tick") flush();
}

function attach(side, audio) {
  players[side] = audio;
  let ticker = null;
  audio.addEventListener("play", () => {
    for (const other of Object.values(players)) if (other !== audio) other.pause();
    record(side, "play", audio);
    ticker = setInterval(() => { record(side, "tick", audio); flush(); }, 1000);
  });
  audio.addEventListener("pause", () => { clearInterval(ticker); record(side, "pause", audio); });
  audio.addEventListener("seeked", () => record(side, "seek", audio));
  audio.addEventListener("ended", () => { clearInterval(ticker); record(side, "ended", audio); });
}

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
  const part = (side) => `${side.toUpperCase()} ${Math.min(listen.heard[side], listen.required[side]).toFixed(0)} of ${listen.required[side].toFixed(0)} s`;
  return `Listen to both tracks before voting: heard ${part("a")}, ${part("b")}.`;
}

hooks = window.arenaHooks = {
  voteBlocked: () => !listen.canVote,
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
    attach(msg.side, audio);
    showHeard();
  },
  restored(battle) {
    if (!battle.listening) return;
    listen.heard = battle.listening.heard;
    listen.required = battle.listening.required_s;
    listen.canVote = battle.listening.can_vote;
    showHeard();
  },
  voted() {
    document.getElementById("after").before(feedbackForm());
  },
  reset() {
    listen.canVote = false;
    listen.heard = { a: 0, b: 0 };
    listen.queue = [];
    for (const side of Object.keys(players)) delete players[side];
    const form = document.getElementById("feedback");
    if (form) form.remove();
  },
};
