// An answer's sources in one standardized style (number, title, domain), matching the [n]
// markers the server put in the answer: the search arena and studies of search arenas show
// them the same way.

export function sourcesList(sources) {
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
