// The 3D arena: both models in the interactive viewer (threed.js), the time each was viewed
// reported to the server through the generic exposure endpoint (/b/<id>/listen), and the vote
// opening only when the server agrees both were viewed long enough. A viewer reports like a
// player whose position is the cumulative seconds viewed: play when viewing starts, tick while
// it goes on, pause when it stops, so the server bounds each stretch by its own clock.
import { clearProgress, exposureReport, showProgress } from "./media-common.js";
import { mountThreeDPair } from "./threed.js";

const holder = document.getElementById("threed-arena");
const minView = Number(holder.dataset.minView || 10);
const REPORT_MS = 1000;
const view = {
  canVote: false,
  viewed: { a: 0, b: 0 },
  required: { a: minView, b: minView },
  queue: [],
  sides: { a: { loaded: false, playing: false, last: 0 }, b: { loaded: false, playing: false, last: 0 } },
};
let pair = null;
let hooks;

function pairRoot() {
  return holder.querySelector("[data-threed-pair]");
}

function mount() {
  pair = mountThreeDPair(pairRoot(), { minSeconds: minView });
}

// The viewer sits under the turn's prompt, where the answers would be.
function showViewer(turn) {
  const item = document.querySelector(`li[data-turn="${turn}"]`);
  if (item && holder.parentElement !== item) item.append(holder);
  holder.hidden = false;
}

async function flush() {
  const battleId = hooks.page.battleId();
  if (!view.queue.length || !battleId) return;
  const events = view.queue.splice(0, 50);
  try {
    const body = await exposureReport(battleId, events);
    if (!body) return;
    const wasOpen = view.canVote;
    view.viewed = body.heard;
    view.required = body.required_s;
    view.canVote = body.can_vote;
    hooks.page.refreshVoting();
    if (view.canVote && !wasOpen) hooks.page.say("You looked at both models: voting is open.");
  } catch (error) {
    view.queue.unshift(...events);
  }
}

function report() {
  if (!pair) return;
  const t = performance.now();
  for (const side of ["a", "b"]) {
    const state = view.sides[side];
    if (!state.loaded) continue;
    const position = Math.round(pair.viewedSeconds(side) * 1000) / 1000;
    if (position > state.last) {
      view.queue.push({ side, kind: state.playing ? "tick" : "play", position, t });
      state.playing = true;
    } else if (state.playing) {
      view.queue.push({ side, kind: "pause", position, t });
      state.playing = false;
    }
    state.last = position;
  }
  flush();
}
setInterval(report, REPORT_MS);

function lockMessage() {
  const part = (side) => `${side.toUpperCase()} ${Math.min(view.viewed[side], view.required[side]).toFixed(0)} of ${view.required[side].toFixed(0)} s`;
  if (pair && !pair.webgl) return "This browser cannot show 3D models (no WebGL), so this battle cannot be voted on here.";
  return `Look at both models before voting: viewed ${part("a")}, ${part("b")}.`;
}

mount();
hooks = window.arenaHooks = {
  voteBlocked: () => !view.canVote,
  lockMessage,
  message(msg, box) {
    showProgress(box, msg);
  },
  sideDone(box, msg) {
    clearProgress(box);
    const media = msg.media;
    if (!media || media.kind !== "model") return;
    const note = document.createElement("p");
    note.className = "threed-ready";
    note.textContent = `Model ${msg.side.toUpperCase()} is ready: look at it in the viewer below.`;
    box.querySelector(".answer-body").replaceChildren(note);
    showViewer(msg.turn);
    view.sides[msg.side] = { loaded: true, playing: false, last: pair.viewedSeconds(msg.side) };
    pair.load(msg.side, media.url);
  },
  restored(battle) {
    if (!battle.listening) return;
    view.viewed = battle.listening.heard;
    view.required = battle.listening.required_s;
    view.canVote = battle.listening.can_vote;
  },
  reset() {
    pair.dispose();
    holder.hidden = true;
    document.getElementById("battle").append(holder);
    for (const meter of holder.querySelectorAll("[data-threed-viewed]")) {
      meter.textContent = `Viewed 0 of ${minView} s needed`;
      meter.classList.remove("enough");
    }
    view.canVote = false;
    view.viewed = { a: 0, b: 0 };
    view.required = { a: minView, b: minView };
    view.queue = [];
    view.sides = { a: { loaded: false, playing: false, last: 0 }, b: { loaded: false, playing: false, last: 0 } };
    mount();
  },
};
