// The search arena: under each answer, its sources in one standardized style — number, title,
// domain — matching the [n] markers the server already put in the answer.

function sourcesList(sources) {
  const wrap = document.createElement("div");
  wrap.className = "sources";
  const title = document.createElement("strong");
  title.textContent = "Sources";
  const list = document.createElement("ol");
  for (const source of sources) {
    const item = document.createElement("li");
    item.value = source.n;
    const link = document.createElement("a");
    link.href = source.url;
    link.rel = "noopener noreferrer nofollow";
    link.target = "_blank";
    link.textContent = source.title;
    const domain = document.createElement("span");
    domain.className = "domain";
    domain.textContent = ` — ${source.domain}`;
    item.append(link, domain);
    list.append(item);
  }
  wrap.append(title, list);
  return wrap;
}

window.arenaHooks = {
  message(msg, box) {
    if (msg.type === "progress" && box && msg.stage === "searching") {
      box.querySelector(".pending").textContent = "Searching…";
    }
  },
  sideDone(box, msg) {
    if (msg.sources && msg.sources.length) box.append(sourcesList(msg.sources));
  },
};
