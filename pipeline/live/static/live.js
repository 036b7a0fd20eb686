// The live page: every request goes to the server that served it; no library, no network else.
"use strict";
const $ = (id) => document.getElementById(id);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const shown = (piece) => piece.replace(/ /g, "\u2423");   // spaces visible, as in the scenes
const state = { scene: null, slide: 0, count: null, known: 0 };
let stillGen = 0, traceGen = 0, clipGen = 0;

function query(extra) {
  const q = new URLSearchParams({ prompt: $("prompt").value, temperature: $("temperature").value,
                                  theme: $("theme").value });
  for (const k of ["layer", "head", "token"]) if ($(k).value !== "") q.set(k, $(k).value);
  for (const [k, v] of Object.entries(extra || {})) q.set(k, v);
  return q.toString();
}

// A GET that waits through 202 (queued) and 503 (busy) answers, telling `onWait` the position.
async function patient(url, current, onWait) {
  for (;;) {
    const r = await fetch(url);
    if (r.status !== 202 && r.status !== 503) return r;
    const body = await r.json();
    if (onWait) onWait(body);
    await sleep(1000 * Number(r.headers.get("Retry-After") || 2));
    if (!current()) return null;
  }
}

function status(text) { $("status").textContent = text || ""; }
function frameMessage(text) { $("frame-message").textContent = text || ""; }
function waiting(body) {
  frameMessage(body.queue_position ? `queued: position ${body.queue_position}` : "drawing…");
}

async function refreshTrace() {
  const g = ++traceGen;
  const r = await fetch("/api/trace?" + query());
  if (g !== traceGen) return;
  const body = await r.json();
  if (!r.ok) { $("prompt-error").textContent = body.error; return; }
  $("prompt-error").textContent = "";
  $("tokens").replaceChildren(...body.pieces.map((p) => {
    const s = document.createElement("span"); s.textContent = shown(p); return s; }));
  tokenChoices(body.pieces);
  $("bars-t").textContent = `T = ${body.temperature}`;
  $("bars").replaceChildren(...body.top.map((t) => {
    const row = document.createElement("div"); row.className = "row";
    row.title = `token ${t.token}: logit ${t.logit.toFixed(3)}, softmax(T=${body.temperature}) = ${t.probability}`;
    const piece = document.createElement("span"); piece.className = "piece"; piece.textContent = shown(t.piece);
    const track = document.createElement("span");
    const bar = document.createElement("div"); bar.className = "bar";
    bar.style.width = (100 * t.probability).toFixed(2) + "%"; track.appendChild(bar);
    const p = document.createElement("span"); p.className = "p";
    p.textContent = (100 * t.probability).toFixed(1) + "%";
    row.append(piece, track, p); return row; }));
  document.body.dataset.bars = body.top.map((t) => t.probability.toFixed(4)).join(",");
}

// The token picker: the prompt's tokens, numbered from 1 as on screen and in the API's `token`.
// A choice the new prompt does not have falls back to the scene's own ("chosen").
function tokenChoices(pieces) {
  const picker = $("token"), keep = picker.value;
  const options = [new Option("chosen", "")].concat(pieces.map((p, i) =>
    new Option(`${i + 1} ${shown(p)}`, String(i + 1))));
  picker.replaceChildren(...options);
  picker.value = Number(keep) <= pieces.length ? keep : "";
}

function slideButtons() {
  const n = state.count ?? state.known;
  const buttons = [];
  for (let i = 0; i < n; i++) {
    const b = document.createElement("button"); b.type = "button"; b.textContent = String(i + 1);
    b.setAttribute("role", "tab"); b.setAttribute("aria-selected", String(i === state.slide));
    b.onclick = () => { state.slide = i; showSlide(); };
    buttons.push(b);
  }
  $("slides").replaceChildren(...buttons);
}

// Where a drawn number came from: its provenance entry (tensor, index, transform, checkpoint).
function numberDetail(n, checkpoint) {
  const rows = [["value", String(n.value)], ["source", n.source], ["index", `[${n.index.join(", ")}]`],
                ["transform", n.transform || "none: drawn as stored"],
                ["checkpoint", n.checkpoint || checkpoint || "default"]];
  if (n.tokens) rows.push(["tokens", `its own text: ${n.tokens.length} tokens`]);
  const dl = document.createElement("dl");
  for (const [k, v] of rows) {
    const dt = document.createElement("dt"), dd = document.createElement("dd");
    dt.textContent = k; dd.textContent = v; dl.append(dt, dd);
  }
  $("number-detail").replaceChildren(dl);
}

function showNumbers(numbers, checkpoint) {
  $("numbers-count").textContent = `(${numbers.length})`;
  $("number-detail").textContent = numbers.length
    ? "Point at a number (or tab to it) to see where it came from." : "No number is drawn on this slide.";
  $("numbers").replaceChildren(...numbers.slice(0, 400).map((n) => {
    const li = document.createElement("li"); li.tabIndex = 0;
    const v = document.createElement("span"); v.className = "v"; v.textContent = Number(n.value.toPrecision(4));
    const src = `${n.source}[${n.index.join(", ")}]` + (n.transform ? ` → ${n.transform}` : "");
    li.append(v, " ", src);
    li.addEventListener("mouseenter", () => numberDetail(n, checkpoint));
    li.addEventListener("focus", () => numberDetail(n, checkpoint));
    return li; }));
}

async function showSlide() {
  const g = ++stillGen, current = () => g === stillGen, q = query({ scene: state.scene, slide: state.slide });
  $("clip").pause(); $("clip").hidden = true; $("still").hidden = false;
  slideButtons();
  frameMessage("drawing…");
  const start = performance.now();
  const img = patient("/api/still?" + q, current, waiting).then(async (r) => {
    if (!r || !current()) return;
    if (!r.ok) { frameMessage((await r.json()).error); return; }
    const url = URL.createObjectURL(await r.blob());
    const old = $("still").src;
    $("still").src = url;
    $("still").dataset.query = q;
    if (old.startsWith("blob:")) URL.revokeObjectURL(old);
    frameMessage("");
    status(`key frame in ${((performance.now() - start) / 1000).toFixed(2)} s`);
  });
  const meta = patient("/api/slide?" + q, current).then(async (r) => {
    if (!r || !current()) return;
    const body = await r.json();
    if (!r.ok) { $("notes").textContent = ""; return; }
    $("notes").textContent = body.notes || "";
    showNumbers(body.numbers, body.checkpoint);
    state.count = body.count;
    state.known = Math.max(state.known, state.slide + 1);
    slideButtons();
    discoverSlides(g);
  });
  await Promise.all([img, meta]);
}

// The scene's later slides, as the workers draw them (the count is known once all are).
async function discoverSlides(g) {
  while (g === stillGen && state.count === null) {
    const r = await patient("/api/slide?" + query({ scene: state.scene, slide: state.known }),
                            () => g === stillGen);
    if (!r || g !== stillGen || !r.ok) return;
    const body = await r.json();
    state.known += 1; state.count = body.count; slideButtons();
  }
}

function chooseBeat(name) {
  state.scene = name; state.slide = 0; state.count = null; state.known = 0;
  for (const b of document.querySelectorAll("#beats button"))
    b.setAttribute("aria-current", String(b.dataset.scene === name));
  showSlide();
}

function debounce(fn, ms) {
  let t = null;
  return () => { clearTimeout(t); t = setTimeout(fn, ms); };
}

async function play() {
  const g = ++clipGen, q = query({ scene: state.scene }), bar = $("clip-progress");
  bar.hidden = false; bar.removeAttribute("value");
  const r = await patient("/api/clip?" + q, () => g === clipGen, (body) => {
    if (body.state === "rendering") { status(`rendering the clip… ${body.elapsed_s} s`);
                                      bar.max = 60; bar.value = Math.min(57, body.elapsed_s); }
    else status(`clip queued: position ${body.queue_position}`); });
  bar.hidden = true;
  if (!r || g !== clipGen) return;
  const body = await r.json();
  if (!r.ok) { status(body.error); return; }
  status("");
  const v = $("clip");
  v.src = body.url; v.hidden = false; $("still").hidden = true; v.play().catch(() => {});
}

async function start() {
  const info = await (await fetch("/api/scenes")).json();
  $("prompt").value = info.default_prompt;
  for (const [id, n, from] of [["layer", info.n_layer, 1], ["head", info.n_head, 1]])   // as on screen
    for (let i = from; i < n + from; i++) $(id).add(new Option(String(i), String(i)));
  $("beats").replaceChildren(...info.scenes.map((s) => {
    const li = document.createElement("li"), b = document.createElement("button");
    b.type = "button"; b.textContent = s.name; b.title = s.description; b.dataset.scene = s.name;
    b.onclick = () => chooseBeat(s.name); li.appendChild(b); return li; }));
  const resetSlides = () => { state.slide = 0; state.count = null; state.known = 0; showSlide(); };
  const stillLater = debounce(showSlide, 250);
  $("prompt").addEventListener("input", debounce(async () => {
    if ($("token").value === "") { refreshTrace(); resetSlides(); return; }
    await refreshTrace(); resetSlides();       // a picked token the new prompt lacks is dropped first
  }, 300));
  $("temperature").addEventListener("input", () => {
    $("temperature-value").textContent = $("temperature").value;
    refreshTrace(); stillLater(); });
  for (const id of ["layer", "head", "token", "theme"]) $(id).addEventListener("change", resetSlides);
  $("play").onclick = play;
  document.addEventListener("keydown", (e) => {
    if (e.target.tagName === "TEXTAREA" || state.count === null && state.known === 0) return;
    const n = state.count ?? state.known;
    if (e.key === "ArrowRight" && state.slide + 1 < n) { state.slide += 1; showSlide(); }
    if (e.key === "ArrowLeft" && state.slide > 0) { state.slide -= 1; showSlide(); }
  });
  refreshTrace();
  chooseBeat(info.scenes.find((s) => s.name === "PredictSample") ? "PredictSample" : info.scenes[0].name);
}
start();
