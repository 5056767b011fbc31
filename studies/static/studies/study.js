// The annotator's study page: one item at a time, K answers, best-of-K or a full ranking,
// aspects, an explanation, skip with a reason. The server keeps the current item, so a reload
// resumes it (POST /next answers the same slot until it is judged).
//
// Each answer is shown by its kind: text and search answers as server-sanitized HTML (search
// with its sources), images, audio players, and 3D models in the battles' own viewer. Files come
// from opaque addresses in the arena's one normalized format, so nothing names the model.
//
// Where the arena has an exposure gate (music, 3D: the item carries `exposure`), each player
// and viewer reports to the server through the battles' own exposure client (exposure.js), one
// side per answer, and the judgement opens only when the server says every answer had the
// arena's minimum; the wording comes from the gate, never from the modality's name.
import { exposureTracker } from "../battles/exposure.js";
import { sourcesList } from "../battles/sources.js";
import { mountThreeDPair } from "../battles/threed.js";

const root = document.getElementById("study");
const slug = root.dataset.slug;
const invite = root.dataset.invite;
const full = root.dataset.format === "rank";
const $ = (id) => document.getElementById(id);
let item = null;
let order = [];
let viewers = null;  // the 3D viewer of the current item's models, disposed on the next item
let gate = null;  // the current item's exposure reports, where the arena gates the judgement

function csrfToken() {
  const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
  return match ? decodeURIComponent(match[1]) : "";
}

// Throws only when the server could not be reached.
async function request(path, body) {
  const query = invite ? `?invite=${encodeURIComponent(invite)}` : "";
  const response = await fetch(`/api/studies/${encodeURIComponent(slug)}${path}${query}`, {
    method: "POST", credentials: "same-origin",
    headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
    body: JSON.stringify(body || {}),
  });
  return { response, data: await response.json().catch(() => ({})) };
}

async function post(path, body) {
  const { response, data } = await request(path, body);
  if (!response.ok) throw new Error(data.message || `The server answered ${response.status}.`);
  return data;
}

function status(text) { $("status").textContent = text; }

function needed() { return full ? item.k : 1; }

function blocked() { return Boolean(gate) && !gate.state().canVote; }

function capital(word) { return word.charAt(0).toUpperCase() + word.slice(1); }

// The same hint as a gated battle's, for K answers: "Listen to all 3 tracks before judging: …".
function exposureHint() {
  const { verb, noun, measured } = item.exposure;
  const { heard, required, canVote } = gate.state();
  const which = item.k === 2 ? "both" : `all ${item.k}`;
  if (canVote) return `You ${measured} ${which} ${noun}: you can judge them now.`;
  if (viewers && !viewers.webgl) {
    return "This browser cannot show 3D models (no WebGL), so they cannot be viewed long enough " +
      "to judge here: skip the item with a reason, or open the study in another browser.";
  }
  const parts = item.candidates.map((c) => {
    const side = String(c.position);
    return `Answer ${c.position + 1} ${Math.min(heard[side] ?? 0, required[side] ?? 0).toFixed(0)} of ${(required[side] ?? 0).toFixed(0)} s`;
  });
  return `${verb} ${which} ${noun} before judging: ${measured} ${parts.join(", ")}.`;
}

function drawExposure() {
  const hint = $("exposure");
  hint.hidden = !gate;
  if (!gate) return;
  hint.textContent = exposureHint();
  const { heard, required } = gate.state();
  for (const meter of $("candidates").querySelectorAll(".listen-meter")) {
    const side = meter.dataset.side;
    const need = required[side] ?? 0;
    meter.textContent = `${capital(item.exposure.measured)} ${Math.min(heard[side] ?? 0, need).toFixed(0)} of ${need.toFixed(0)} s needed`;
    meter.classList.toggle("enough", (heard[side] ?? 0) >= need);
  }
}

function drawOrder() {
  for (const li of $("candidates").children) {
    const rank = order.indexOf(Number(li.dataset.position));
    li.classList.toggle("ranked", rank >= 0);
    li.setAttribute("aria-pressed", rank >= 0 ? "true" : "false");
    li.querySelector(".rank-badge").textContent = rank >= 0 ? (full ? `#${rank + 1}` : "Best") : "";
  }
  $("order").textContent = order.length
    ? `Your order: ${order.map((p) => `Answer ${p + 1}`).join(" > ")}`
    : (full ? `Pick all ${item.k} answers, best first.` : "Pick the best answer.");
  $("submit").disabled = order.length !== needed() || blocked();
  drawExposure();
}

function pick(position) {
  if (!item || order.includes(position)) return;
  if (!full) order = [];
  if (order.length < needed()) order.push(position);
  if (full && order.length === item.k - 1) {  // the last one is implied
    const rest = [...Array(item.k).keys()].find((p) => !order.includes(p));
    order.push(rest);
  }
  drawOrder();
}

function modelViewer(c) {
  const figure = document.createElement("figure");
  figure.className = "threed-side";
  figure.dataset.threedSide = String(c.position);
  const stage = document.createElement("div");
  stage.className = "threed-stage";
  stage.dataset.threedStage = "";
  const state = document.createElement("p");
  state.className = "threed-status";
  state.dataset.threedStatus = "";
  state.setAttribute("role", "status");
  state.textContent = "Loading the 3D model…";
  const tools = document.createElement("div");
  tools.className = "threed-tools";
  tools.setAttribute("role", "group");
  tools.setAttribute("aria-label", `Answer ${c.position + 1} view`);
  for (const [mode, label] of [["textured", "Textured"], ["clay", "Clay"], ["wireframe", "Wireframe"]]) {
    const button = document.createElement("button");
    button.type = "button";
    button.dataset.threedMode = mode;
    button.setAttribute("aria-pressed", String(mode === "textured"));
    button.textContent = label;
    tools.append(button);
  }
  const reset = document.createElement("button");
  reset.type = "button";
  reset.dataset.threedReset = "";
  reset.textContent = "Reset view";
  tools.append(reset);
  figure.append(stage, state, tools);
  return figure;
}

function answerBody(c) {
  const body = document.createElement("div");
  body.className = "answer-body";
  if (c.kind === "image" && c.media_url) {
    const img = document.createElement("img");
    img.src = c.media_url;
    img.alt = `Answer ${c.position + 1}`;
    body.append(img);
  } else if (c.kind === "audio" && c.media_url) {
    const audio = document.createElement("audio");
    audio.controls = true;
    audio.preload = "metadata";
    audio.src = c.media_url;
    audio.setAttribute("aria-label", `Answer ${c.position + 1}`);
    audio.dataset.side = String(c.position);
    body.append(audio);
  } else if (c.kind === "model" && c.media_url) {
    body.append(modelViewer(c));
  } else {
    return textBody(c, body);
  }
  if (item.exposure && (c.kind === "audio" || c.kind === "model")) {
    const meter = document.createElement("p");
    meter.className = "listen-meter";
    meter.dataset.side = String(c.position);
    body.append(meter);
  }
  return body;
}

function textBody(c, body) {
  if (c.reasoning_html) {
    const details = document.createElement("details");
    details.className = "study-reasoning";
    const summary = document.createElement("summary");
    summary.textContent = "Reasoning";
    const thoughts = document.createElement("div");
    thoughts.innerHTML = c.reasoning_html;  // sanitized by the server
    details.append(summary, thoughts);
    body.append(details);
  }
  const answer = document.createElement("div");
  answer.innerHTML = c.html;  // sanitized by the server (battles/rendering.py, battles/citations.py)
  body.append(answer);
  if (c.sources && c.sources.length) body.append(sourcesList(c.sources));
  return body;
}

// One viewer for all the item's models, cameras moving separately: the same module as the
// 3D battle page, with one side per answer instead of a and b.
function mountModels(candidates) {
  const models = candidates.filter((c) => c.kind === "model" && c.media_url);
  if (!models.length) return;
  const names = models.map((c) => String(c.position));
  const containers = Object.fromEntries(names.map((n) =>
    [n, $("candidates").querySelector(`[data-threed-side="${n}"]`)]));
  const urls = Object.fromEntries(models.map((c) => [String(c.position), c.media_url]));
  viewers = mountThreeDPair($("candidates"), { sides: names, containers, urls, minSeconds: 0 });
  const shown = viewers;
  for (const name of names) gate?.viewer(name, () => shown.viewedSeconds(name));
}

// One tracker per item: its reports go to the item's slot, and the state the server keeps comes
// back with the item, so a reload resumes the meters.
function gateMount() {
  if (!item.exposure) return;
  const slot = item.slot;
  gate = exposureTracker({
    async send(events) {
      const { response, data } = await request(`/slots/${slot}/exposure`, { events });
      return response.ok ? data : null;
    },
    changed() { drawOrder(); },
  });
  gate.restore(item.exposure.state);
  for (const audio of $("candidates").querySelectorAll("audio[data-side]")) {
    gate.player(audio.dataset.side, audio);
  }
}

function draw(next) {
  viewers?.dispose();
  viewers = null;
  gate?.dispose();
  gate = null;
  item = next;
  order = [];
  $("reveal").hidden = true;
  if (!item) {
    $("judge").hidden = true;
    $("exposure").hidden = true;
    $("candidates").replaceChildren();
    $("prompt").textContent = "";
    $("progress").value = 1;
    $("progress-text").textContent = "Done";
    status("There is nothing left for you in this study. Thank you!");
    return;
  }
  $("progress").max = item.of;
  $("progress").value = item.n - 1;
  $("progress-text").textContent = `Item ${item.n} of ${item.of}`;
  $("prompt").textContent = item.prompt;
  const list = item.candidates.map((c) => {
    const li = document.createElement("li");
    li.dataset.position = c.position;
    li.tabIndex = 0;
    li.setAttribute("role", "button");
    const head = document.createElement("h2");
    head.textContent = `Answer ${c.position + 1} `;
    const badge = document.createElement("span");
    badge.className = "rank-badge";
    head.append(badge);
    li.append(head, answerBody(c));
    li.addEventListener("click", (event) => {
      // Playing a track, turning a model or following a source is not choosing the answer.
      if (event.target.closest("audio, .threed-side, a, details")) return;
      pick(c.position);
    });
    return li;
  });
  $("candidates").replaceChildren(...list);
  gateMount();
  mountModels(item.candidates);
  const aspects = item.aspects.map((a) => {
    const box = document.createElement("fieldset");
    box.className = "study-aspect";
    const legend = document.createElement("legend");
    legend.textContent = a.question || a.label;
    box.append(legend);
    for (const c of item.candidates) {
      const label = document.createElement("label");
      const input = document.createElement("input");
      input.type = "radio";
      input.name = `aspect-${a.slug}`;
      input.value = c.position;
      label.append(input, ` Answer ${c.position + 1} `);
      box.append(label);
    }
    return box;
  });
  $("aspects").replaceChildren(...aspects);
  $("explanation").value = "";
  $("skip-reason").value = "";
  $("judge").hidden = false;
  drawOrder();
  status("");
}

async function load() {
  try {
    draw((await post("/next")).item);
  } catch (error) {
    status(error.message);
  }
}

async function send(body) {
  try {
    const answer = await post(`/slots/${item.slot}/judgement`, body);
    if (answer.reveal) {
      $("reveal").replaceChildren(...answer.reveal.map((r) => {
        const li = document.createElement("li");
        li.textContent = `Answer ${r.position + 1}: ${r.name}`;
        return li;
      }));
      $("reveal").hidden = false;
    }
    status("Saved.");
    draw((await post("/next")).item);
  } catch (error) {
    status(error.message);
  }
}

$("judge").addEventListener("submit", (event) => {
  event.preventDefault();
  if (order.length !== needed()) return;
  if (blocked()) { status(exposureHint()); return; }
  const aspects = {};
  for (const a of item.aspects) {
    const chosen = document.querySelector(`input[name="aspect-${a.slug}"]:checked`);
    if (chosen) aspects[a.slug] = Number(chosen.value);
  }
  send({ ranking: order, aspects, explanation: $("explanation").value });
});
$("reset").addEventListener("click", () => { order = []; drawOrder(); });
$("skip").addEventListener("click", () => {
  const reason = $("skip-reason").value.trim();
  if (!reason) { status("Say why you skip this item."); $("skip-reason").focus(); return; }
  send({ skip_reason: reason });
});
document.addEventListener("keydown", (event) => {
  if (!item || event.target.closest("textarea, input, audio") || event.ctrlKey || event.metaKey) return;
  // A 3D viewer's buttons and a reasoning summary keep their own Enter.
  const ownEnter = event.target.closest(".threed-side button, summary");
  const n = Number(event.key);
  if (n >= 1 && n <= item.k) { pick(n - 1); event.preventDefault(); }
  else if (event.key === "r" || event.key === "R") { order = []; drawOrder(); }
  else if (event.key === "Enter" && !ownEnter && order.length === needed() && !blocked()) {
    $("judge").requestSubmit();
  }
  else if (event.key === " " && event.target.dataset.position !== undefined) {
    pick(Number(event.target.dataset.position)); event.preventDefault();
  }
});

load();
