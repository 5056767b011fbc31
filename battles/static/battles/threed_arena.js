// The 3D arena: both models in the interactive viewer (threed.js), the time each was viewed
// reported to the server through the generic exposure endpoint (/b/<id>/listen) by the shared
// exposure client (exposure.js), and the vote opening only when the server agrees both were
// viewed long enough.
import { exposureTracker } from "./exposure.js";
import { clearProgress, exposureReport, showProgress } from "./media-common.js";
import { mountThreeDPair } from "./threed.js";

const holder = document.getElementById("threed-arena");
const minView = Number(holder.dataset.minView || 10);
let pair = null;
let hooks;
const gate = exposureTracker({
  send: (events) => exposureReport(hooks.page.battleId(), events),
  changed(state, opened) {
    hooks.page.refreshVoting();
    if (opened) hooks.page.say("You looked at both models: voting is open.");
  },
});

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

function lockMessage() {
  const { heard, required } = gate.state();
  const need = (side) => required[side] ?? minView;
  const part = (side) => `${side.toUpperCase()} ${Math.min(heard[side] ?? 0, need(side)).toFixed(0)} of ${need(side).toFixed(0)} s`;
  if (pair && !pair.webgl) return "This browser cannot show 3D models (no WebGL), so this battle cannot be voted on here.";
  return `Look at both models before voting: viewed ${part("a")}, ${part("b")}.`;
}

mount();
hooks = window.arenaHooks = {
  voteBlocked: () => !gate.state().canVote,
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
    const viewer = pair;
    gate.viewer(msg.side, () => viewer.viewedSeconds(msg.side));
    pair.load(msg.side, media.url);
  },
  restored(battle) {
    if (battle.listening) gate.restore(battle.listening);
  },
  reset() {
    pair.dispose();
    holder.hidden = true;
    document.getElementById("battle").append(holder);
    for (const meter of holder.querySelectorAll("[data-threed-viewed]")) {
      meter.textContent = `Viewed 0 of ${minView} s needed`;
      meter.classList.remove("enough");
    }
    gate.reset();
    mount();
  },
};
