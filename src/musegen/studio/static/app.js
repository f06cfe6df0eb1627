// musegen studio: plain JavaScript, no framework, talks to the JSON API of musegen.studio.server.
"use strict";
const $ = (id) => document.getElementById(id);
const state = { name: "", song: null, target: null, busy: false };

async function api(method, path, body) {
  const res = await fetch(path, {
    method, headers: body ? { "Content-Type": "application/json" } : {},
    body: body ? JSON.stringify(body) : undefined,
  });
  const data = await res.json().catch(() => ({ error: `HTTP ${res.status}` }));
  if (!res.ok) throw new Error(data.error || `HTTP ${res.status}`);
  return data;
}

function status(text, error = false) {
  $("status").textContent = text;
  $("status").className = error ? "error" : "";
}

function setBusy(busy) {
  state.busy = busy;
  document.querySelectorAll("button").forEach((b) => { b.disabled = busy; });
}

async function waitJob(id, label) {
  $("progress").hidden = false;
  for (;;) {
    const job = await api("GET", `/api/jobs/${id}`);
    $("bar").style.width = `${Math.round(100 * job.progress)}%`;
    if (job.state === "done") { $("progress").hidden = true; return job; }
    if (job.state === "error") { $("progress").hidden = true; throw new Error(job.error); }
    status(`${label}: ${job.stage || job.state}… ${job.seconds.toFixed(0)} s`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

async function run(label, start, after) {
  if (state.busy) return;
  setBusy(true);
  try {
    const { job, name } = await start();
    const done = await waitJob(job, label);
    const msgs = (done.result.messages || []).join("; ");
    await refreshList();
    await loadSong(name);  // "done" only once the page shows the new version
    if (after) after(done.result);
    status(`${label}: done in ${done.seconds.toFixed(1)} s${msgs ? " — " + msgs : ""}`);
  } catch (e) {
    status(e.message, true);
  } finally {
    setBusy(false);
  }
}

async function refreshList() {
  const { songs } = await api("GET", "/api/songs");
  const sel = $("songs");
  sel.innerHTML = '<option value="">(new song)</option>';
  for (const s of songs) {
    const o = document.createElement("option");
    o.value = s.name; o.textContent = `${s.title} (${s.name})`;
    sel.appendChild(o);
  }
  sel.value = state.name;
}

async function loadSong(name) {
  const song = await api("GET", `/api/songs/${encodeURIComponent(name)}`);
  const keep = state.name === name && state.target;
  state.name = name; state.song = song;
  $("songs").value = name;
  $("song").hidden = false;
  $("title").textContent = song.title;
  $("facts").textContent = `${song.key}, ${song.tempo} BPM, ${song.meter}, ${Math.floor(song.duration / 60)}:` +
    `${String(Math.round(song.duration % 60)).padStart(2, "0")} — ${song.mood}`;
  const audio = song.files.find((f) => f === "song.wav" || f === "song.flac");
  const player = $("player");
  if (audio) { player.src = `/api/songs/${name}/files/${audio}?v=${song.stamp}`; } else { player.removeAttribute("src"); }
  $("downloads").innerHTML = "Download: " + song.files.map(
    (f) => `<a href="/api/songs/${name}/files/${f}?download" download>${f}</a>`).join("");
  renderLyrics();
  renderVersions();
  if (!keep) selectTarget(null);
  else selectTarget(state.target);
  drawRoll();
}

function renderLyrics() {
  const box = $("lyrics");
  box.innerHTML = "";
  for (const sec of state.song.sections) {
    const div = document.createElement("div");
    div.className = "sec";
    const head = document.createElement("div");
    head.className = "sec-name";
    head.textContent = `${sec.label}${sec.lines.length ? "" : " (instrumental)"}`;
    head.dataset.section = String(sec.index + 1);
    if (sec.lines.length) head.onclick = () => selectTarget({ section: String(sec.index + 1), label: sec.label });
    div.appendChild(head);
    for (const line of sec.lines) {
      const p = document.createElement("div");
      p.className = "line";
      p.textContent = line.text;
      p.dataset.target = line.target;
      p.dataset.start = line.start ?? "";
      p.dataset.end = line.end ?? "";
      p.onclick = () => selectTarget({ line: line.target, label: `${sec.label}, line ${line.index + 1}` });
      div.appendChild(p);
    }
    box.appendChild(div);
  }
}

function selectTarget(t) {
  state.target = t;
  document.querySelectorAll("#lyrics .selected").forEach((e) => e.classList.remove("selected"));
  $("editor").hidden = !t;
  if (!t) return;
  $("target").textContent = t.label;
  const el = t.line ? document.querySelector(`#lyrics .line[data-target="${t.line}"]`)
    : document.querySelector(`#lyrics .sec-name[data-section="${t.section}"]`);
  if (el) el.classList.add("selected");
  document.querySelectorAll(".line-only").forEach((e) => { e.hidden = !t.line; });
}

// a history entry as a songwriter reads it: "new words: verse 2, line 3"
const WHAT = { both: "new words + melody", words: "new words", notes: "new melody", text: "your own words" };
function describeEdit(h) {
  if (h.what === "extend") return `new section: ${h.target.replace(/^add /, "")}`;
  const m = /^line (.+):(\d+)$/.exec(h.target);
  const where = m ? `${m[1]}, line ${m[2]}` : h.target;
  return `${WHAT[h.what] || h.what}: ${where}`;
}

function renderVersions() {
  const ol = $("versions");
  ol.innerHTML = "";
  const entries = [{ text: "first draft" }, ...state.song.history.map(
    (h) => ({ text: describeEdit(h), title: `seed ${h.seed}, ${h.time}` }))];
  const saved = state.song.versions;  // earlier versions on disk, newest last
  entries.forEach((e, i) => {
    const li = document.createElement("li");
    li.textContent = e.text;
    if (e.title) li.title = e.title;
    const back = entries.length - 1 - i;  // steps back to this version
    if (back > 0 && back <= saved) {
      const b = document.createElement("button");
      b.className = "back"; b.textContent = "go back here";
      b.onclick = () => run("undo", () => api("POST", `/api/songs/${state.name}/undo`, { steps: back }));
      li.append(" ", b);
    } else if (back === 0) {
      li.append(" (now)");
    }
    ol.appendChild(li);
  });
  $("undo").hidden = state.song.versions === 0;
}

// play the new audio from `t` seconds as soon as the player has it
function playFrom(t) {
  const p = $("player");
  if (!p.getAttribute("src")) return;
  const go = () => { p.currentTime = Math.max(0, t); p.play().catch(() => {}); };
  if (p.readyState >= 1) go(); else p.addEventListener("loadedmetadata", go, { once: true });
}

// after an edit: mark the lines that changed and play from just before the first of them
function showChanged(targets) {
  let first = null;
  for (const t of targets || []) {
    const el = document.querySelector(`#lyrics .line[data-target="${t}"]`);
    if (!el) continue;
    el.classList.add("changed");
    const start = parseFloat(el.dataset.start);
    if (!isNaN(start) && (first === null || start < first)) first = start;
  }
  if (first !== null) playFrom(first - 1.0);
}

function edit(body, then) {
  const t = state.target;
  if (!t) return;
  const req = { ...body, only_this: $("only-this").checked };
  if (t.line) req.line = t.line; else req.section = t.section;
  run("edit", () => api("POST", `/api/songs/${state.name}/edit`, req), (r) => {
    showChanged(r.changed);
    if (then) then(r);
  });
}

// ---- piano roll: melody notes by pitch over time, chords along the top, a playhead
function drawRoll() {
  const c = $("roll"), g = c.getContext("2d"), song = state.song;
  if (!song) return;
  const w = c.width, h = c.height, top = 22, dur = Math.max(1, song.duration);
  const pitches = song.notes.map((n) => n[2]);
  const lo = Math.min(...pitches, 60) - 2, hi = Math.max(...pitches, 72) + 2;
  const x = (t) => (t / dur) * w, y = (p) => top + (1 - (p - lo) / (hi - lo)) * (h - top - 4);
  g.clearRect(0, 0, w, h);
  g.font = "11px system-ui"; g.fillStyle = "#6b7280";
  let lastX = -99;
  for (const [t, d, sym] of song.chords) {
    g.fillRect(x(t), 0, 1, top - 6);
    if (x(t) > lastX) { g.fillText(sym, x(t) + 2, 12); lastX = x(t) + g.measureText(sym).width + 6; }
  }
  const now = $("player").currentTime || 0;
  for (const [t, d, p] of song.notes) {
    g.fillStyle = t <= now && now < t + d ? "#e07a00" : "#2f6fde";
    g.fillRect(x(t), y(p) - 2, Math.max(1.5, x(d)), 4);
  }
  g.fillStyle = "#b42318"; g.fillRect(x(now), 0, 1.5, h);
}

// ---- the sung line follows the audio clock
function follow() {
  const t = $("player").currentTime;
  document.querySelectorAll("#lyrics .line").forEach((el) => {
    const a = parseFloat(el.dataset.start), b = parseFloat(el.dataset.end);
    el.classList.toggle("sung", !isNaN(a) && a <= t && t < b + 0.25);
  });
  drawRoll();
  if (!$("player").paused) requestAnimationFrame(follow);
}

$("player").addEventListener("play", () => requestAnimationFrame(follow));
$("player").addEventListener("timeupdate", follow);
$("songs").onchange = (e) => { if (e.target.value) loadSong(e.target.value); };
$("generate").onclick = () => {
  const body = { prompt: $("prompt").value };
  if ($("form").value) body.form = $("form").value;
  if ($("key").value.trim()) body.key = $("key").value.trim();
  if ($("bars").value.trim()) body.bars = $("bars").value.trim();
  if ($("seed").value.trim()) body.seed = parseInt($("seed").value, 10);
  run("generate", () => api("POST", "/api/generate", body), () => playFrom(0));
};
$("regen-both").onclick = () => edit({ what: "both" });
$("regen-words").onclick = () => edit({ what: "words" });
$("regen-notes").onclick = () => edit({ what: "notes" });
$("sing-own").onclick = () => {
  const text = $("own-text").value.trim();
  if (!text) { status("type the words for this line first", true); return; }
  edit({ text }, () => { $("own-text").value = ""; });
};
$("own-text").addEventListener("keydown", (e) => { if (e.key === "Enter") $("sing-own").click(); });
$("prompt").addEventListener("keydown", (e) => { if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) $("generate").click(); });
$("extend").onclick = () => run("add", () => api("POST", `/api/songs/${state.name}/extend`, { add: $("add").value }));
$("undo").onclick = () => run("undo", () => api("POST", `/api/songs/${state.name}/undo`, {}));
refreshList().then(() => { if ($("songs").options.length > 1 && !state.name) loadSong($("songs").options[1].value); });
