// The image arena: progress while generating, then both images at the same size, each opening
// full size in a dialog. Image URLs are opaque and served only to this annotator.
import { clearProgress, showProgress } from "./media-common.js";

const viewer = document.getElementById("image-viewer");
const viewerImg = document.getElementById("image-viewer-img");

function openFull(url, label) {
  viewerImg.src = url;
  viewerImg.alt = label;
  viewer.showModal();
}

window.arenaHooks = {
  message(msg, box) {
    showProgress(box, msg);
  },
  sideDone(box, msg) {
    clearProgress(box);
    const media = msg.media;
    if (!media || media.kind !== "image") return;
    const label = `Image from Model ${msg.side.toUpperCase()}`;
    const button = document.createElement("button");
    button.type = "button";
    button.className = "image-open";
    button.title = "View full size";
    const img = document.createElement("img");
    img.src = media.url;
    img.alt = label;
    img.width = media.width;
    img.height = media.height;
    img.className = "generated";
    button.append(img);
    button.addEventListener("click", () => openFull(media.url, label));
    box.querySelector(".answer-body").replaceChildren(button);
  },
};
