// The search arena: under each answer, its sources in one standardized style — number, title,
// domain — matching the [n] markers the server already put in the answer.

import { sourcesList } from "./sources.js";

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
