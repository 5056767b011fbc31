// The annotator's study page: one item at a time, K answers, best-of-K or a full ranking,
// aspects, an explanation, skip with a reason. The server keeps the current item, so a reload
// resumes it (POST /next answers the same slot until it is judged).

const root = document.getElementById("study");
const slug = root.dataset.slug;
const invite = root.dataset.invite;
const full = root.dataset.format === "rank";
const $ = (id) => document.getElementById(id);
let item = null;
let order = [];

function csrfToken() {
  const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
  return match ? decodeURIComponent(match[1]) : "";
}

async function post(path, body) {
  const query = invite ? `?invite=${encodeURIComponent(invite)}` : "";
  const response = await fetch(`/api/studies/${encodeURIComponent(slug)}${path}${query}`, {
    method: "POST", credentials: "same-origin",
    headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
    body: JSON.stringify(body || {}),
  });
  const data = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(data.message || `The server answered ${response.status}.`);
  return data;
}

function status(text) { $("status").textContent = text; }

function needed() { return full ? item.k : 1; }

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
  $("submit").disabled = order.length !== needed();
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

function draw(next) {
  item = next;
  order = [];
  $("reveal").hidden = true;
  if (!item) {
    $("judge").hidden = true;
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
    const body = document.createElement("div");
    body.className = "answer-body";
    if (c.media_url) {
      const img = document.createElement("img");
      img.src = c.media_url;
      img.alt = `Answer ${c.position + 1}`;
      body.append(img);
    } else {
      body.innerHTML = c.html;  // sanitized by the server (battles/rendering.py)
    }
    li.append(head, body);
    li.addEventListener("click", () => pick(c.position));
    return li;
  });
  $("candidates").replaceChildren(...list);
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
  if (!item || event.target.closest("textarea, input") || event.ctrlKey || event.metaKey) return;
  const n = Number(event.key);
  if (n >= 1 && n <= item.k) { pick(n - 1); event.preventDefault(); }
  else if (event.key === "r" || event.key === "R") { order = []; drawOrder(); }
  else if (event.key === "Enter" && order.length === needed()) { $("judge").requestSubmit(); }
  else if (event.key === " " && event.target.dataset.position !== undefined) {
    pick(Number(event.target.dataset.position)); event.preventDefault();
  }
});

load();
