// The exposure gate's client half, one piece for every page that has one: the music and 3D
// battle pages (sides "a" and "b") and the study page (one side per answer, "0".."K-1").
// Audio players and 3D viewers become the same events — play / tick / pause / seek / ended with
// a position and the page's clock — which the server measures by its own clock
// (battles/exposure.py); its answer says how long each side was heard or viewed, how long it
// must be, and whether the vote (or judgement) is open. A viewer reports its cumulative seconds
// viewed as the position, so it reads like a player that only moves while someone looks.
//
//   const gate = exposureTracker({ send: (events) => post(events), changed: (state, opened) => … });
//   gate.player("a", audioElement);                      // a track
//   gate.viewer("b", () => pair.viewedSeconds("b"));     // a 3D model (threed.js)
//   gate.restore(serverState); gate.state().canVote; gate.reset(); gate.dispose();
//
// `changed(state, opened)` runs after each answer to a report (`opened`: this answer opened it).
//
// `send(events)` posts a report and returns the server's answer ({heard, required_s, can_vote}),
// null when it refused the events, or throws when it could not be reached: the events are then
// kept for the next report.

const REPORT_MS = 1000;
const MAX_EVENTS = 50;

export function exposureTracker({ send, changed = () => {} }) {
  let state = { canVote: false, heard: {}, required: {} };
  let queue = [];
  let players = {};
  let viewers = {};
  let era = 0; // bumped by reset(): an answer to a report from before is dropped

  function apply(body) {
    const opened = Boolean(body.can_vote) && !state.canVote;
    state = { canVote: Boolean(body.can_vote), heard: body.heard, required: body.required_s };
    return opened;
  }

  async function flush() {
    if (!queue.length) return;
    const events = queue.splice(0, MAX_EVENTS);
    const mine = era;
    try {
      const body = await send(events);
      if (!body || mine !== era) return;
      const opened = apply(body);
      changed(state, opened);
    } catch (error) {
      if (mine === era) queue.unshift(...events);
    }
  }

  function record(side, kind, position) {
    queue.push({ side, kind, position, t: performance.now() });
    if (kind !== "tick") flush();
  }

  // One track playing at a time: starting one pauses the others, so time is never counted twice.
  // A player dropped by reset() (the next battle or item) reports nothing more.
  function player(side, audio) {
    players[side] = audio;
    let ticker = null;
    const stop = () => { clearInterval(ticker); ticker = null; };
    const mine = () => players[side] === audio;
    audio.addEventListener("play", () => {
      stop();
      if (!mine()) return;
      for (const other of Object.values(players)) if (other !== audio) other.pause();
      record(side, "play", audio.currentTime);
      ticker = setInterval(() => {
        if (!mine()) { stop(); return; }
        record(side, "tick", audio.currentTime);
        flush();
      }, REPORT_MS);
    });
    audio.addEventListener("pause", () => { stop(); if (mine()) record(side, "pause", audio.currentTime); });
    audio.addEventListener("seeked", () => { if (mine()) record(side, "seek", audio.currentTime); });
    audio.addEventListener("ended", () => { stop(); if (mine()) record(side, "ended", audio.currentTime); });
  }

  function viewer(side, seconds) {
    viewers[side] = { seconds, playing: false, last: seconds() };
  }

  // Once a second: a viewer whose count grew is "playing", one that stopped growing "pauses".
  function reportViews() {
    const t = performance.now();
    for (const [side, view] of Object.entries(viewers)) {
      const position = Math.round(view.seconds() * 1000) / 1000;
      if (position > view.last) {
        queue.push({ side, kind: view.playing ? "tick" : "play", position, t });
        view.playing = true;
      } else if (view.playing) {
        queue.push({ side, kind: "pause", position, t });
        view.playing = false;
      }
      view.last = position;
    }
    flush();
  }
  const timer = setInterval(reportViews, REPORT_MS);

  return {
    player,
    viewer,
    // The state a reloaded page gets with its battle or item; the page redraws itself after.
    restore(body) { apply(body); },
    state: () => state,
    reset() {
      era += 1;
      queue = [];
      players = {};
      viewers = {};
      state = { canVote: false, heard: {}, required: {} };
    },
    dispose() {
      clearInterval(timer);
      this.reset();
    },
  };
}
