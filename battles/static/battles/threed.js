// The 3D arena viewer: two normalized GLB assets side by side, each with orbit, zoom, reset and
// textured / clay / wireframe display, an optional link that moves both cameras together, and
// the viewing time per side that the page uses to open the vote (like listening in music).
//
//   import { mountThreeDPair } from "./threed.js";
//   const pair = mountThreeDPair(document.querySelector("[data-threed-pair]"), { minSeconds: 10 });
//   pair.load("a", urlA); pair.load("b", urlB);     // or data-threed-url on each side
//   mountThreeDPair(root, { sides: ["0", "1", "2"], containers, urls });  // K viewers (studies)
//   pair.viewedSeconds("a");
//   root.addEventListener("threed:viewed", (e) => e.detail.ready && openVoting());
//   root.addEventListener("threed:unavailable", () => explainWhyNoVote());  // no WebGL
//   threed:loaded / threed:failed (detail.side) bubble from a side when its model loads or not.
//
// DOM (see partials/threed_viewer.html): a root with [data-threed-link] (checkbox) and two
// [data-threed-side="a"|"b"] containers, each with [data-threed-stage], [data-threed-status],
// [data-threed-viewed], [data-threed-reset] and [data-threed-mode="textured|clay|wireframe"]
// buttons. Only the stage is required; a bare container gets one.
import * as THREE from "./vendor/three/build/three.module.js";
import { OrbitControls } from "./vendor/three/examples/jsm/controls/OrbitControls.js";
import { GLTFLoader } from "./vendor/three/examples/jsm/loaders/GLTFLoader.js";

export const MODES = ["textured", "clay", "wireframe"];
const SIDES = ["a", "b"];
const TICK_MS = 250;
const IDLE_AFTER_MS = 30000; // on screen but nobody has touched the page for this long: not viewing
const NO_WEBGL = "This browser cannot show 3D models: WebGL is unavailable or turned off. " +
  "Try another browser or enable hardware acceleration.";
const LOAD_FAILED = "This 3D model could not be loaded.";

export function webglAvailable() {
  try {
    const canvas = document.createElement("canvas");
    return Boolean(window.WebGL2RenderingContext && canvas.getContext("webgl2"));
  } catch (error) {
    return false;
  }
}

function part(container, name) {
  return container.querySelector(`[data-threed-${name}]`);
}

function say(side, text) {
  const status = part(side.container, "status");
  if (status) {
    status.textContent = text;
    status.hidden = !text;
  }
}

// Why on demand: two canvases rendering at 60 fps would burn the annotator's battery (and CI's
// software GL) while nothing moves; OrbitControls without damping only changes on input.
function requestRender(side) {
  if (side.frame || !side.renderer) return;
  side.frame = requestAnimationFrame(() => {
    side.frame = 0;
    side.renderer.render(side.scene, side.camera);
  });
}

function createSide(name, container) {
  let stage = part(container, "stage");
  if (!stage) {
    stage = document.createElement("div");
    stage.className = "threed-stage";
    stage.dataset.threedStage = "";
    container.prepend(stage);
  }
  return {
    name, container, stage, renderer: null, scene: null, camera: null, controls: null,
    asset: null, originals: new Map(), home: null, resetting: false, mode: "textured", frame: 0,
    onScreen: false, viewedMs: 0, interactedMs: 0, lastInteraction: -Infinity,
    reportedSeconds: 0,
  };
}

function setupRenderer(side) {
  const renderer = new THREE.WebGLRenderer({ antialias: true });
  renderer.setPixelRatio(Math.min(window.devicePixelRatio || 1, 2));
  renderer.outputColorSpace = THREE.SRGBColorSpace;
  side.stage.append(renderer.domElement);
  renderer.domElement.className = "threed-canvas";
  renderer.domElement.setAttribute("role", "img");
  renderer.domElement.tabIndex = 0;
  renderer.domElement.setAttribute("aria-label",
    `3D model ${side.name.toUpperCase()}: drag or use the arrow keys to orbit, scroll or + and - to zoom`);
  const scene = new THREE.Scene();
  scene.background = new THREE.Color(0xeef0f3);
  scene.add(new THREE.HemisphereLight(0xffffff, 0x8a8f99, 1.6));
  const camera = new THREE.PerspectiveCamera(40, 1, 0.01, 100);
  const key = new THREE.DirectionalLight(0xffffff, 1.8);
  key.position.set(1, 2, 3);
  camera.add(key); // the light follows the view, so no side of the model stays in the dark
  scene.add(camera);
  const controls = new OrbitControls(camera, renderer.domElement);
  controls.enableDamping = false;
  controls.enablePan = false;
  controls.minDistance = 0.3;
  controls.maxDistance = 8;
  Object.assign(side, { renderer, scene, camera, controls });
  resize(side);
}

function resize(side) {
  if (!side.renderer) return;
  const width = side.stage.clientWidth || 320;
  const height = side.stage.clientHeight || Math.round(width * 0.75);
  side.renderer.setSize(width, height, false);
  side.camera.aspect = width / height;
  side.camera.updateProjectionMatrix();
  requestRender(side);
}

// The assets are normalized to the centred unit box, but a framing from the real bounds keeps the
// viewer right for anything else too.
function frame(side) {
  const box = new THREE.Box3().setFromObject(side.asset);
  const size = box.getSize(new THREE.Vector3()).length() || 1;
  const centre = box.getCenter(new THREE.Vector3());
  const distance = size / (2 * Math.tan((side.camera.fov * Math.PI) / 360)) * 1.05;
  const direction = new THREE.Vector3(0.9, 0.6, 1.4).normalize();
  side.home = { position: centre.clone().addScaledVector(direction, distance), target: centre };
  reset(side);
}

// Each side returns to its own framing; `resetting` keeps a linked pair from copying this move
// to the other camera (a model loading later would otherwise yank the first one to its framing).
function reset(side) {
  if (!side.home) return;
  side.resetting = true;
  side.camera.position.copy(side.home.position);
  side.controls.target.copy(side.home.target);
  side.camera.zoom = 1;
  side.camera.updateProjectionMatrix();
  side.controls.update();
  side.resetting = false;
  requestRender(side);
}

const clay = new THREE.MeshStandardMaterial({ color: 0xc8c3bc, roughness: 0.85, metalness: 0 });
const wire = new THREE.MeshBasicMaterial({ color: 0x30343b, wireframe: true });

function applyMode(side, mode) {
  side.mode = mode;
  side.asset?.traverse((object) => {
    if (!object.isMesh) return;
    const original = side.originals.get(object);
    object.material = mode === "clay" ? clay : mode === "wireframe" ? wire : original;
  });
  for (const button of side.container.querySelectorAll("[data-threed-mode]")) {
    button.setAttribute("aria-pressed", String(button.dataset.threedMode === mode));
  }
  requestRender(side);
}

// GLTFLoader decodes embedded textures with fetch() on a blob: URL (ImageBitmapLoader), which the
// arena's CSP refuses (connect-src has no blob:); an <img> on the blob: URL is allowed
// (img-src blob:), so every parse gets the plain TextureLoader instead.
function cspSafeTextures(parser) {
  const loader = new THREE.TextureLoader(parser.options.manager);
  loader.setCrossOrigin(parser.options.crossOrigin);
  parser.textureLoader = loader;
  return { name: "arena_csp_safe_textures" };
}

function load(side, url) {
  if (!side.renderer) return Promise.resolve(false);
  say(side, "Loading the 3D model…");
  return new GLTFLoader().register(cspSafeTextures).loadAsync(url).then((gltf) => {
    if (side.asset) {
      side.scene.remove(side.asset);
      disposeAsset(side);
    }
    side.asset = gltf.scene;
    side.originals.clear();
    side.asset.traverse((object) => { if (object.isMesh) side.originals.set(object, object.material); });
    side.scene.add(side.asset);
    frame(side);
    applyMode(side, side.mode);
    say(side, "");
    side.container.classList.add("threed-loaded");
    side.container.dispatchEvent(new CustomEvent("threed:loaded", { bubbles: true, detail: { side: side.name } }));
    return true;
  }, () => {
    say(side, LOAD_FAILED);
    side.container.dispatchEvent(new CustomEvent("threed:failed", { bubbles: true, detail: { side: side.name } }));
    return false;
  });
}

function disposeAsset(side) {
  for (const [mesh, material] of side.originals) {
    mesh.geometry.dispose();
    for (const texture of Object.values(material).filter((value) => value?.isTexture)) texture.dispose();
    material.dispose();
  }
  side.originals.clear();
}

// Arrow keys orbit and +/- zoom a focused canvas, so the models can be inspected without a mouse.
function onKey(side, event) {
  const step = Math.PI / 24;
  const offset = side.camera.position.clone().sub(side.controls.target);
  const spherical = new THREE.Spherical().setFromVector3(offset);
  const moves = {
    ArrowLeft: () => { spherical.theta -= step; },
    ArrowRight: () => { spherical.theta += step; },
    ArrowUp: () => { spherical.phi = Math.max(0.05, spherical.phi - step); },
    ArrowDown: () => { spherical.phi = Math.min(Math.PI - 0.05, spherical.phi + step); },
    "+": () => { spherical.radius = Math.max(side.controls.minDistance, spherical.radius * 0.9); },
    "-": () => { spherical.radius = Math.min(side.controls.maxDistance, spherical.radius / 0.9); },
  };
  const move = moves[event.key] || (event.key === "=" ? moves["+"] : null);
  if (!move || !side.asset) return;
  event.preventDefault();
  move();
  side.camera.position.copy(side.controls.target).add(new THREE.Vector3().setFromSpherical(spherical));
  side.controls.update(); // fires "change": renders, and moves the other camera when linked
}

export function mountThreeDPair(root, options = {}) {
  // A battle has sides a and b; a study shows K answers, so it names its own (options.sides).
  const names = options.sides || SIDES;
  const containers = options.containers ||
    Object.fromEntries(names.map((s) => [s, root.querySelector(`[data-threed-side="${s}"]`)]));
  const minSeconds = Number(options.minSeconds ?? root.dataset.threedMinSeconds ?? 10);
  const sides = Object.fromEntries(names.map((s) => [s, createSide(s, containers[s])]));
  const othersOf = (name) => Object.values(sides).filter((other) => other.name !== name);
  const linkBox = root.querySelector("[data-threed-link]");
  let linked = linkBox ? linkBox.checked : Boolean(options.linked);
  let syncing = false;
  let lastPageActivity = performance.now();
  let lastTick = performance.now();
  const cleanups = [];

  function listen(target, type, handler, opts) {
    target.addEventListener(type, handler, opts);
    cleanups.push(() => target.removeEventListener(type, handler, opts));
  }

  const webgl = options.webgl ?? webglAvailable();
  for (const side of Object.values(sides)) {
    if (!webgl) {
      side.container.classList.add("threed-unavailable");
      say(side, NO_WEBGL);
      continue;
    }
    try {
      setupRenderer(side);
    } catch (error) {
      side.container.classList.add("threed-unavailable");
      say(side, NO_WEBGL);
      continue;
    }
    side.controls.addEventListener("change", () => {
      requestRender(side);
      if (!linked || syncing || side.resetting) return;
      syncing = true; // copying fires the others' "change" too; don't bounce back
      for (const other of othersOf(side.name)) {
        if (!other.controls) continue;
        other.camera.position.copy(side.camera.position);
        other.camera.quaternion.copy(side.camera.quaternion);
        other.camera.zoom = side.camera.zoom;
        other.camera.updateProjectionMatrix();
        other.controls.target.copy(side.controls.target);
        other.controls.update();
        requestRender(other);
      }
      syncing = false;
    });
    for (const type of ["pointerdown", "wheel", "keydown", "touchstart"]) {
      listen(side.stage, type, () => { side.lastInteraction = performance.now(); }, { passive: true });
    }
    listen(side.renderer.domElement, "keydown", (event) => onKey(side, event));
    listen(side.container, "click", (event) => {
      const button = event.target.closest("button");
      if (!button) return;
      if ("threedReset" in button.dataset) resetPair(side.name);
      if (MODES.includes(button.dataset.threedMode)) applyMode(side, button.dataset.threedMode);
    });
    const url = options.urls?.[side.name] || side.container.dataset.threedUrl;
    if (url) load(side, url);
  }
  if (!Object.values(sides).some((side) => side.renderer)) {
    // Nothing can be viewed, so the minimum can never be met: the page decides what to offer.
    root.dispatchEvent(new CustomEvent("threed:unavailable", { bubbles: true, detail: { reason: "webgl" } }));
  }
  if (linkBox) listen(linkBox, "change", () => { linked = linkBox.checked; });
  for (const type of ["pointermove", "pointerdown", "keydown", "wheel", "scroll", "touchstart"]) {
    listen(document, type, () => { lastPageActivity = performance.now(); }, { passive: true, capture: true });
  }
  // A stage can change size without the window doing so (the layout reflows, a hidden panel
  // opens), and a canvas drawn at the wrong size looks stretched.
  const resizer = "ResizeObserver" in window ? new ResizeObserver(() => Object.values(sides).forEach(resize)) : null;
  for (const side of Object.values(sides)) resizer?.observe(side.stage);
  if (!resizer) listen(window, "resize", () => Object.values(sides).forEach(resize));

  const observer = "IntersectionObserver" in window ? new IntersectionObserver((entries) => {
    for (const entry of entries) {
      const side = Object.values(sides).find((s) => s.stage === entry.target);
      if (side) side.onScreen = entry.isIntersecting && entry.intersectionRatio >= 0.5;
    }
  }, { threshold: [0, 0.5, 1] }) : null;
  for (const side of Object.values(sides)) {
    if (observer) observer.observe(side.stage);
    else side.onScreen = true;
  }

  // A side counts as viewed while its model is loaded, at least half its canvas is on screen,
  // the tab is visible, and someone has used the page recently (or is dragging that model).
  function tick() {
    const now = performance.now();
    const elapsed = Math.min(now - lastTick, 1000); // a sleeping laptop is not viewing
    lastTick = now;
    const pageAwake = document.visibilityState === "visible" && now - lastPageActivity < IDLE_AFTER_MS;
    for (const side of Object.values(sides)) {
      if (!side.asset) continue;
      const touched = now - side.lastInteraction < 2000;
      if (touched) side.interactedMs += elapsed;
      if (!(side.onScreen && (pageAwake || touched))) continue;
      side.viewedMs += elapsed;
      const seconds = Math.floor(side.viewedMs / 1000);
      if (seconds > side.reportedSeconds) {
        side.reportedSeconds = seconds;
        const viewed = Object.fromEntries(names.map((n) => [n, Math.round(viewedSeconds(n) * 10) / 10]));
        side.container.dispatchEvent(new CustomEvent("threed:viewed", {
          bubbles: true,
          detail: { side: side.name, seconds, ...viewed, minSeconds,
            ready: names.every((n) => viewed[n] >= minSeconds) },
        }));
        const meter = part(side.container, "viewed");
        if (meter) {
          meter.textContent = `Viewed ${Math.min(seconds, minSeconds)} of ${minSeconds} s needed`;
          meter.classList.toggle("enough", seconds >= minSeconds);
        }
      }
    }
  }
  const timer = setInterval(tick, TICK_MS);

  function resetPair(name) {
    reset(sides[name]);
    if (linked) othersOf(name).forEach(reset);
  }

  function viewedSeconds(name) {
    return sides[name].viewedMs / 1000;
  }

  return {
    webgl: Object.values(sides).every((side) => side.renderer),
    load: (name, url) => load(sides[name], url),
    viewedSeconds,
    interactedSeconds: (name) => sides[name].interactedMs / 1000,
    setMode: (name, mode) => MODES.includes(mode) && applyMode(sides[name], mode),
    reset: resetPair,
    // Where a side's camera is: for tests, and for recording the view a vote was cast from.
    view(name) {
      const side = sides[name];
      if (!side.camera) return null;
      return { position: side.camera.position.toArray(), target: side.controls.target.toArray(), zoom: side.camera.zoom };
    },
    setLinked(value) {
      linked = Boolean(value);
      if (linkBox) linkBox.checked = linked;
    },
    dispose() {
      clearInterval(timer);
      observer?.disconnect();
      resizer?.disconnect();
      cleanups.forEach((undo) => undo());
      for (const side of Object.values(sides)) {
        if (side.frame) cancelAnimationFrame(side.frame);
        disposeAsset(side);
        side.controls?.dispose();
        side.renderer?.dispose();
        side.renderer?.domElement.remove();
      }
    },
  };
}
