// The battle page: one WebSocket for prompts and streams, HTTP for the vote.
// Server HTML arrives already sanitized; raw deltas are only ever inserted as text.
// Once a battle starts, the address names it (?battle=<id>): a reload, or coming back later,
// restores it from the battle API, answers as they ended and the vote still open.

const root = document.getElementById("battle");
const arenaSlug = root.dataset.arena;
const mode = root.dataset.mode;
const requireRationale = root.dataset.requireRationale === "true";
// The arena's turn limit (image and music arenas allow one): no prompt box once it is reached.
const maxTurns = Number(root.dataset.maxTurns || 1);
const CHOICE_LABELS = { a: "A is better", b: "B is better", tie: "Tie", both_bad: "Both are bad" };

const turnsEl = document.getElementById("turns");
const statusEl = document.getElementById("status");
const composer = document.getElementById("composer");
const promptEl = document.getElementById("prompt");
const sendButton = document.getElementById("send");
const voteEl = document.getElementById("vote");
const rationaleEl = document.getElementById("rationale");
const afterEl = document.getElementById("after");
const newBattleButton = document.getElementById("new-battle");
const names = { a: document.getElementById("name-a"), b: document.getElementById("name-b") };
const yourVoteEl = document.getElementById("your-vote");
const pickers = [...document.querySelectorAll(".pickers select")];
// Only arenas whose modality accepts a reference image (image-to-3D) have this file input.
const imageInput = document.getElementById("reference-image");
// Aspects the arena asks about beside the overall vote (A / B / tie each), if any.
const aspectEls = [...voteEl.querySelectorAll("fieldset.aspect")];
const ASPECT_LABELS = { a: "A", b: "B", tie: "Tie" };
// Modality modules (image.js, search.js, music.js) load first and may register hooks here.
const hooks = window.arenaHooks || {};

const state = {
  socket: null,
  battleId: null,
  streaming: false,
  canVote: false,
  voted: false,
  failed: false,
  voteKey: null,
  pendingSend: null,
  // Who answered on each side, once known (after the vote, or at once side by side).
  names: null,
  // The stored battle this page is bringing back (from ?battle=), until "New battle", and the
  // status each of its sides was last drawn with.
  restoring: null,
  shownSides: {},
};

function say(message, isError = false) {
  statusEl.textContent = message;
  statusEl.classList.toggle("error", isError);
}

function csrfToken() {
  const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
  return match ? decodeURIComponent(match[1]) : "";
}

function answerEl(turn, side) {
  return turnsEl.querySelector(`li[data-turn="${turn}"] .answer[data-side="${side}"]`);
}

function addTurn(turn, prompt) {
  const item = document.createElement("li");
  item.className = "turn";
  item.dataset.turn = String(turn);
  const promptBox = document.createElement("div");
  promptBox.className = "prompt";
  promptBox.textContent = prompt;
  const answers = document.createElement("div");
  answers.className = "answers";
  for (const side of ["a", "b"]) {
    const box = document.createElement("article");
    box.className = "answer streaming";
    box.dataset.side = side;
    box.setAttribute("aria-busy", "true");
    box.setAttribute("aria-label", `Answer from Model ${side.toUpperCase()}`);
    const label = document.createElement("div");
    label.className = "answer-label";
    label.textContent = sideTitle(side);
    const body = document.createElement("div");
    body.className = "answer-body markdown";
    const pending = document.createElement("span");
    pending.className = "pending";
    box.append(label, body, pending);
    answers.append(box);
  }
  item.append(promptBox, answers);
  turnsEl.append(item);
}

// The model's reasoning, only sent where the arena shows it: already sanitized by the server,
// collapsed above the answer so the answer stays what is compared.
function showReasoning(box, html) {
  let details = box.querySelector("details.reasoning");
  if (!details) {
    details = document.createElement("details");
    details.className = "reasoning";
    const summary = document.createElement("summary");
    summary.textContent = "Reasoning";
    const body = document.createElement("div");
    body.className = "reasoning-body markdown";
    details.append(summary, body);
    box.querySelector(".answer-body").before(details);
  }
  details.querySelector(".reasoning-body").innerHTML = html;
}

function voteLocked() {
  return Boolean(hooks.voteBlocked && hooks.voteBlocked());
}

function setVoting(enabled) {
  state.canVote = enabled;
  voteEl.disabled = !enabled || voteLocked();
}

function canContinue() {
  return turnsEl.children.length < maxTurns;
}

// What to do next once both answers are in: a modality's lock (music: listen first) comes
// before the vote, and only arenas with turns left offer to keep the conversation going.
function nextStep() {
  if (voteLocked() && hooks.lockMessage) return hooks.lockMessage();
  return canContinue() ? "Vote, or keep the conversation going." : "Vote below.";
}

function setComposing(enabled) {
  const open = enabled && canContinue();
  promptEl.disabled = !open;
  sendButton.disabled = !open;
  // The image goes with a battle's first prompt only.
  if (imageInput) imageInput.disabled = !open || Boolean(state.battleId);
}

// The upload is re-encoded by the server, which answers with a signed token for `start`.
async function imageUpload(file) {
  const form = new FormData();
  form.append("image", file);
  const response = await fetch(`/a/${encodeURIComponent(arenaSlug)}/reference-image`, {
    method: "POST",
    headers: { "X-CSRFToken": csrfToken() },
    credentials: "same-origin",
    body: form,
  });
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(body.message || "The image could not be uploaded.");
  return body.image;
}

// Models are picked once per battle: changing them mid-battle would not change who answers.
function setPicking(enabled) {
  for (const picker of pickers) picker.disabled = !enabled;
}

function finishSide(box) {
  box.classList.remove("streaming");
  box.removeAttribute("aria-busy");
}

// The deepest last block of rendered Markdown (paragraph, list item, code, cell): streamed text
// goes there, so it continues the rendered text in place instead of appearing below it.
const BLOCKS = new Set(["P", "UL", "OL", "LI", "BLOCKQUOTE", "PRE", "CODE", "TABLE", "THEAD", "TBODY",
  "TR", "TD", "TH", "H1", "H2", "H3", "H4", "H5", "H6", "DIV"]);
function streamTarget(body) {
  let target = body;
  while (target.lastElementChild && BLOCKS.has(target.lastElementChild.tagName)) {
    target = target.lastElementChild;
  }
  return target;
}

function sideAnnouncement(turn, side, what) {
  if (turnsEl.querySelector(`li[data-turn="${turn}"] .answer.streaming`)) {
    say(`Model ${side.toUpperCase()} ${what}; the other answer is still coming.`);
  }
}

const handlers = {
  battle_started(msg) {
    state.battleId = msg.battle_id;
    rememberBattle(msg.battle_id);
    document.getElementById("waiting")?.remove();
    if (msg.names) showNames(msg.names);
  },
  turn_started() {},
  chunk(msg) {
    const box = answerEl(msg.turn, msg.side);
    if (!box) return;
    const body = box.querySelector(".answer-body");
    const pending = box.querySelector(".pending");
    if (msg.reasoning_html !== undefined) showReasoning(box, msg.reasoning_html);
    if (msg.html !== undefined) {
      box.append(pending);
      pending.textContent = "";
      body.innerHTML = msg.html;
    } else {
      streamTarget(body).append(pending);
      pending.append(document.createTextNode(msg.delta));
    }
  },
  side_done(msg) {
    const box = answerEl(msg.turn, msg.side);
    if (!box) return;
    if (msg.reasoning_html) showReasoning(box, msg.reasoning_html);
    const pending = box.querySelector(".pending");
    box.append(pending);
    pending.textContent = "";
    box.querySelector(".answer-body").innerHTML = msg.html;
    finishSide(box);
    if (hooks.sideDone) hooks.sideDone(box, msg);
    sideAnnouncement(msg.turn, msg.side, "has finished");
  },
  side_failed(msg) {
    const box = answerEl(msg.turn, msg.side);
    if (!box) return;
    finishSide(box);
    box.classList.add("failed");
    const note = document.createElement("p");
    note.className = "error";
    note.textContent = `This answer failed: ${msg.error}`;
    box.append(note);
    sideAnnouncement(msg.turn, msg.side, "could not answer");
  },
  turn_done(msg) {
    state.streaming = false;
    if (msg.can_vote) {
      setVoting(true);
      setComposing(true);
      say(`Both answers are complete. ${nextStep()}`);
      // Keyboard users land on the vote: keys 1-4 work from here and Tab reaches the buttons.
      if (!voteEl.disabled) voteEl.focus({ preventScroll: true });
    } else {
      state.failed = true;
      setVoting(false);
      setComposing(false);
      afterEl.hidden = false;
      say("One side could not answer, so this battle cannot be voted on. Start a new battle.", true);
      newBattleButton.focus();
    }
  },
  error(msg) {
    state.streaming = false;
    // A refused prompt leaves no half-made turn on the page (its text stays in the box), and
    // that turn no longer counts against the arena's turn limit.
    const last = turnsEl.lastElementChild;
    if (last && last.querySelector(".answer.streaming") && !last.dataset.accepted) last.remove();
    if (!state.failed && !state.voted) setComposing(true);
    if (!state.battleId) setPicking(true);
    if (msg.code === "consent_required") {
      say("Please accept the terms of use first (reload the page).", true);
      return;
    }
    say(msg.message, true);
  },
};

function connect() {
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  const socket = new WebSocket(`${scheme}://${location.host}/ws/battle/`);
  socket.addEventListener("open", () => {
    if (state.pendingSend) {
      socket.send(state.pendingSend);
      state.pendingSend = null;
    }
  });
  socket.addEventListener("message", (event) => {
    const msg = JSON.parse(event.data);
    const last = turnsEl.lastElementChild;
    if (last && (msg.type === "battle_started" || msg.type === "turn_started") && !last.dataset.accepted) {
      last.dataset.accepted = "1";
      // Only an accepted prompt leaves the box: a refused one stays there to be fixed.
      if (promptEl.value.trim() === last.dataset.prompt) promptEl.value = "";
    }
    const handler = handlers[msg.type];
    if (handler) handler(msg);
    else if (hooks.message) hooks.message(msg, answerEl(msg.turn, msg.side));
  });
  socket.addEventListener("close", () => {
    state.socket = null;
    if (state.streaming) {
      state.streaming = false;
      say("The connection was lost while the answers were streaming. Start a new battle.", true);
      afterEl.hidden = false;
    }
  });
  state.socket = socket;
}

function send(message) {
  const text = JSON.stringify(message);
  if (state.socket && state.socket.readyState === WebSocket.OPEN) {
    state.socket.send(text);
  } else {
    state.pendingSend = text;
    if (!state.socket) connect();
  }
}

async function submitPrompt() {
  const prompt = promptEl.value.trim();
  if (!prompt) {
    say("Please type a prompt first.", true);
    return;
  }
  if (state.streaming || state.voted || state.failed) return;
  const turn = turnsEl.children.length;
  addTurn(turn, prompt);
  turnsEl.lastElementChild.dataset.prompt = prompt;
  state.streaming = true;
  setVoting(false);
  setComposing(false);
  setPicking(false);
  say("Both models are answering…");
  if (state.battleId) {
    send({ type: "continue", battle_id: state.battleId, prompt });
  } else {
    const message = { type: "start", arena: arenaSlug, mode, prompt };
    const file = imageInput && imageInput.files[0];
    if (file) {
      say("Uploading your image…");
      try {
        message.image = await imageUpload(file);
      } catch (error) {
        handlers.error({ message: error.message });
        return;
      }
      say("Both models are answering…");
    }
    if (mode === "side_by_side") {
      message.contender_a = document.getElementById("pick-a").value;
      message.contender_b = document.getElementById("pick-b").value;
    }
    send(message);
  }
}

function sideTitle(side) {
  const title = `Model ${side.toUpperCase()}`;
  const who = state.names && state.names[side];
  if (!who) return title;
  return who.organisation ? `${title}: ${who.name} (${who.organisation})` : `${title}: ${who.name}`;
}

// Narrow screens hide the column heads and label each answer instead, so both carry the names.
function showNames(reveal) {
  state.names = reveal;
  for (const side of ["a", "b"]) {
    names[side].textContent = sideTitle(side);
    names[side].classList.add("revealed");
    for (const label of turnsEl.querySelectorAll(`.answer[data-side="${side}"] .answer-label`)) {
      label.textContent = sideTitle(side);
      label.classList.add("revealed");
    }
  }
}

function aspectChoices() {
  const chosen = {};
  for (const el of aspectEls) {
    const picked = el.querySelector("input:checked");
    if (picked) chosen[el.dataset.aspect] = picked.value;
  }
  return chosen;
}

// Required aspects left open are marked; the server refuses the vote (aspect_required).
function aspectsMissing(chosen) {
  for (const el of aspectEls) {
    el.classList.toggle("missing", el.dataset.required === "true" && !(el.dataset.aspect in chosen));
  }
}

function aspectsText(aspects) {
  const parts = aspectEls.filter((el) => aspects && aspects[el.dataset.aspect])
    .map((el) => `${el.dataset.label}: ${ASPECT_LABELS[aspects[el.dataset.aspect]]}`);
  return parts.length ? ` ${parts.join(", ")}.` : "";
}

function showAspects(aspects) {
  for (const el of aspectEls) {
    for (const input of el.querySelectorAll("input")) {
      input.checked = Boolean(aspects && aspects[el.dataset.aspect] === input.value);
    }
    el.classList.remove("missing");
  }
}

function showChoice(choice, aspects = null) {
  for (const button of voteEl.querySelectorAll("button[data-choice]")) {
    const chosen = button.dataset.choice === choice;
    button.classList.toggle("chosen", chosen);
    button.setAttribute("aria-pressed", String(chosen));
  }
  yourVoteEl.hidden = !choice;
  yourVoteEl.textContent = choice ? `Your vote: ${CHOICE_LABELS[choice] || choice}.${aspectsText(aspects)}` : "";
}

async function vote(choice) {
  if (!state.canVote || state.voted) return;
  if (voteLocked()) {
    say(nextStep());
    return;
  }
  const rationale = rationaleEl.value.trim();
  if (requireRationale && !rationale) {
    say("Please write a short rationale before voting.", true);
    rationaleEl.focus();
    return;
  }
  // The server decides what is missing (its message is shown); the page only marks the groups.
  const aspects = aspectChoices();
  aspectsMissing(aspects);
  state.voteKey = state.voteKey || crypto.randomUUID().replaceAll("-", "");
  setVoting(false);
  say("Saving your vote…");
  for (let attempt = 0; attempt < 3; attempt += 1) {
    try {
      const response = await fetch(`/api/battles/${state.battleId}/vote`, {
        method: "POST",
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
        credentials: "same-origin",
        body: JSON.stringify({ choice, rationale, idempotency_key: state.voteKey,
          ...(aspectEls.length ? { aspects } : {}) }),
      });
      const body = await response.json();
      if (!response.ok) {
        say(body.message || "The vote was not accepted.", true);
        if (response.status >= 500) continue;
        setVoting(body.code !== "already_voted");
        return;
      }
      state.voted = true;
      showNames(body.reveal);
      showChoice(choice, aspects);
      if (hooks.voted) hooks.voted(body);
      setComposing(false);
      afterEl.hidden = false;
      say(`Thanks, your vote (${CHOICE_LABELS[choice]}) is saved. The models are revealed above.`);
      newBattleButton.focus();
      return;
    } catch (error) {
      say("Network problem while saving the vote; retrying…", true);
      await new Promise((resolve) => setTimeout(resolve, 500 * (attempt + 1)));
    }
  }
  setVoting(true);
  say("The vote could not be saved. Please try again.", true);
}

function newBattle() {
  state.battleId = null;
  state.restoring = null;
  rememberBattle(null);
  state.voted = false;
  state.failed = false;
  state.streaming = false;
  state.voteKey = null;
  state.names = null;
  turnsEl.replaceChildren();
  rationaleEl.value = "";
  if (imageInput) imageInput.value = "";
  afterEl.hidden = true;
  showChoice(null);
  showAspects(null);
  setPicking(true);
  for (const side of ["a", "b"]) {
    names[side].textContent = sideTitle(side);
    names[side].classList.remove("revealed");
  }
  if (hooks.reset) hooks.reset();
  setVoting(false);
  setComposing(true);
  say("New battle: type a prompt.");
  promptEl.focus();
}

composer.addEventListener("submit", (event) => {
  event.preventDefault();
  submitPrompt();
});
promptEl.addEventListener("keydown", (event) => {
  if (event.key === "Enter" && !event.shiftKey) {
    event.preventDefault();
    submitPrompt();
  }
});
for (const button of voteEl.querySelectorAll("button[data-choice]")) {
  button.addEventListener("click", () => vote(button.dataset.choice));
}
newBattleButton.addEventListener("click", newBattle);
// Shortcuts act on the battle only when the battle is what the person is looking at: not while
// a dialog (the full-size image viewer) covers it, nor while they type in a field.
function shortcutsInert(event) {
  if (document.querySelector("dialog[open], [aria-modal='true']")) return true;
  const target = event.target;
  if (target.isContentEditable || ["TEXTAREA", "INPUT", "SELECT"].includes(target.tagName)) return true;
  return event.ctrlKey || event.metaKey || event.altKey;
}

document.addEventListener("keydown", (event) => {
  if (shortcutsInert(event)) return;
  const choice = { 1: "a", 2: "b", 3: "tie", 4: "both_bad" }[event.key];
  if (choice && state.canVote) {
    event.preventDefault();
    vote(choice);
  } else if ((event.key === "n" || event.key === "N") && !afterEl.hidden) {
    event.preventDefault();
    newBattle();
  }
});

function rememberBattle(battleId) {
  const url = new URL(location.href);
  if (battleId) url.searchParams.set("battle", battleId);
  else url.searchParams.delete("battle");
  history.replaceState(null, "", url);
}

// A side as the battle API reports it, shown as if it had just ended on this page.
function showStoredSide(turn, side, stored) {
  if (stored.status === "done") {
    handlers.side_done({ ...stored, type: "side_done", turn, side });
  } else if (stored.status === "failed") {
    handlers.side_failed({ type: "side_failed", turn, side, error: stored.error || "it did not finish." });
  } else {
    answerEl(turn, side).querySelector(".pending").textContent = "Still being made…";
  }
}

// Polled while answers are still being made: only sides whose status changed are drawn again,
// so a track already playing on one side is not interrupted when the other one arrives.
function showStoredBattle(battle) {
  if (state.battleId !== battle.id || turnsEl.children.length !== battle.turns.length) {
    turnsEl.replaceChildren();
    state.shownSides = {};
    for (const turn of battle.turns) {
      addTurn(turn.index, turn.prompt_hidden ? "(Hidden by a moderator.)" : turn.prompt);
      turnsEl.lastElementChild.dataset.accepted = "1";
    }
  }
  state.battleId = battle.id;
  setPicking(false);
  if (battle.reveal) showNames(battle.reveal);
  for (const turn of battle.turns) {
    for (const side of ["a", "b"]) {
      const stored = turn[side];
      const key = `${turn.index}:${side}`;
      if (!stored || state.shownSides[key] === stored.status) continue;
      state.shownSides[key] = stored.status;
      showStoredSide(turn.index, side, stored);
    }
  }
  if (hooks.restored) hooks.restored(battle);
  afterEl.hidden = true;
  if (battle.state === "ready") {
    setVoting(true);
    setComposing(true);
    say(`Your battle is back: both answers are complete. ${nextStep()}`);
  } else if (battle.state === "voted") {
    state.voted = true;
    if (battle.vote) {
      showChoice(battle.vote.choice, battle.vote.aspects);
      showAspects(battle.vote.aspects);
    }
    if (hooks.voted) hooks.voted(battle);
    afterEl.hidden = false;
    say("You have voted on this battle; the models are revealed above.");
  } else if (battle.state === "streaming") {
    // Tracks go on in the worker; a text side cut off by the reload is failed by the server.
    afterEl.hidden = false;
    say("The answers are still being made; they will appear here when they are done.");
    setTimeout(() => restore(battle.id), 2000);
  } else {
    state.failed = true;
    afterEl.hidden = false;
    say("This battle was interrupted before both answers finished, so it cannot be voted on. Start a new battle.", true);
  }
}

async function restore(battleId) {
  if (state.restoring !== battleId) return; // "New battle" was pressed meanwhile
  setComposing(false);
  if (!turnsEl.children.length) say("Restoring your battle…");
  try {
    const response = await fetch(`/api/battles/${encodeURIComponent(battleId)}`, {
      credentials: "same-origin",
    });
    const battle = await response.json().catch(() => ({}));
    if (state.restoring !== battleId) return; // "New battle" was pressed meanwhile
    if (response.ok && battle.arena === arenaSlug) {
      showStoredBattle(battle);
      return;
    }
    rememberBattle(null);
    say(response.ok ? "That battle belongs to another arena. Type a prompt to start a new one."
      : `That battle cannot be shown: ${battle.message || "it is not yours"}. Type a prompt to start a new one.`, true);
  } catch (error) {
    say("Network problem while restoring your battle; reload the page to try again.", true);
  }
  setComposing(true);
}

hooks.page = {
  battleId: () => state.battleId,
  refreshVoting: () => {
    setVoting(state.canVote);
    // The lock message follows the listening live, until the modality says voting is open.
    if (state.canVote && !state.voted && voteLocked()) say(nextStep());
  },
  say,
};
setVoting(false);
connect();
const storedBattle = new URLSearchParams(location.search).get("battle");
if (storedBattle) {
  state.restoring = storedBattle;
  restore(storedBattle);
} else promptEl.focus();
