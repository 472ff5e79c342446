// memcore ui: the page's script. Vanilla ES2020, no build step, no third-party code.
// Data is only ever put on the page with textContent (through `el`), never as HTML.
"use strict";

const TOKEN = new URLSearchParams(location.search).get("token") || "";
const KINDS = ["bugfix", "feature", "refactor", "change", "discovery", "decision"];
const PAGE = 50;
const main = document.getElementById("main");
const statusBox = document.getElementById("status");

// ---- DOM helpers -------------------------------------------------------------------------

/** An element with attributes (`on*` keys are listeners) and children (strings become text). */
function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith("on") && typeof value === "function") {
      node.addEventListener(key.slice(2), value);
    } else if (key === "class") {
      node.className = value;
    } else if (value === true) {
      node.setAttribute(key, "");
    } else {
      node.setAttribute(key, String(value));
    }
  }
  append(node, children);
  return node;
}

function append(node, children) {
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

function clear(node) {
  while (node.firstChild) node.removeChild(node.firstChild);
}

function link(href, text, attrs) {
  return el("a", Object.assign({ href }, attrs || {}), text);
}

function when(iso) {
  if (!iso) return "";
  const d = new Date(iso);
  if (isNaN(d.getTime())) return String(iso);
  const text = d.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
  return el("time", { datetime: iso, title: iso }, text);
}

function num(n) {
  return typeof n === "number" ? n.toLocaleString() : "—";
}

function fixed(n, digits) {
  return typeof n === "number" ? n.toFixed(digits === undefined ? 3 : digits) : "—";
}

function kindBadge(kind) {
  return el("span", { class: "kind kind-" + String(kind).replace(/[^a-z_]/g, "") }, kind);
}

/** A labelled control: `<label>Text <control></label>` keeps the label visible and bound. */
function field(labelText, control) {
  return el("label", { class: "field" }, el("span", {}, labelText), control);
}

function select(name, options, value, extra) {
  const s = el("select", Object.assign({ name }, extra || {}));
  for (const opt of options) {
    const [v, text] = Array.isArray(opt) ? opt : [opt, opt];
    s.append(el("option", { value: v, selected: v === (value || "") }, text));
  }
  return s;
}

function kindOptions(anyLabel) {
  return [["", anyLabel]].concat(KINDS.map((k) => [k, k]));
}

// ---- API ---------------------------------------------------------------------------------

/** Calls the API with the token header; resolves to the JSON, rejects with its error text. */
async function api(path, options) {
  const init = Object.assign({ method: "GET", headers: {} }, options || {});
  init.headers = Object.assign({ "X-Memcore-Token": TOKEN }, init.headers);
  if (init.body !== undefined && typeof init.body !== "string") {
    init.body = JSON.stringify(init.body);
    init.headers["Content-Type"] = "application/json";
  }
  let response;
  try {
    response = await fetch(path, init);
  } catch (e) {
    throw new Error("The memcore ui server is not answering (was it stopped?).");
  }
  let data = null;
  try {
    data = await response.json();
  } catch (e) {
    data = null;
  }
  if (!response.ok) {
    const why = data && data.error ? data.error : response.statusText;
    throw new Error(why + " (HTTP " + response.status + ")");
  }
  return data;
}

function qs(params) {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined && v !== null && v !== "") p.set(k, v);
  }
  const text = p.toString();
  return text ? "?" + text : "";
}

let projectsCache = null;
async function projectNames() {
  if (!projectsCache) {
    const data = await api("/api/projects");
    projectsCache = data.projects.map((p) => p.name);
  }
  return projectsCache;
}

// ---- status (with Undo) ------------------------------------------------------------------

let statusTimer = null;

/** Shows `message` in the status region; with `undoBatch`, an "Undo" button restores it. */
function say(message, undoBatch) {
  clear(statusBox);
  clearTimeout(statusTimer);
  statusBox.classList.add("shown");
  statusBox.append(el("span", {}, message));
  if (undoBatch !== undefined && undoBatch !== null) {
    const undo = el("button", { type: "button", onclick: () => undoForget(undoBatch) }, "Undo");
    statusBox.append(undo);
  } else {
    statusTimer = setTimeout(() => statusBox.classList.remove("shown"), 6000);
  }
  statusBox.append(
    el("button", { type: "button", class: "quiet", "aria-label": "Dismiss",
      onclick: () => statusBox.classList.remove("shown") }, "×"));
}

async function undoForget(batch) {
  try {
    const data = await api("/api/forget/" + encodeURIComponent(batch) + "/undo", { method: "POST", body: {} });
    const n = data.restored.length;
    say("Restored " + n + (n === 1 ? " observation." : " observations."));
    route();
  } catch (e) {
    say("Undo failed: " + e.message);
  }
}

function forgotMessage(batch) {
  const n = batch.observation_ids.length;
  return "Forgot " + n + (n === 1 ? " observation" : " observations") + " (batch " + batch.id + ").";
}

function failure(e) {
  return el("p", { class: "error", role: "alert" }, e.message);
}

// ---- router ------------------------------------------------------------------------------

function parseHash() {
  const raw = location.hash.replace(/^#/, "") || "/";
  const [path, query] = raw.split("?");
  return { path, params: new URLSearchParams(query || "") };
}

const ROUTES = [
  [/^\/?$/, "Observations", viewObservations],
  [/^\/search$/, "Search", viewSearch],
  [/^\/sessions$/, "Sessions", viewSessions],
  [/^\/session\/(.+)$/, "Sessions", viewSession],
  [/^\/obs\/(\d+)$/, "Observations", viewObservation],
  [/^\/injections$/, "Injections", viewInjections],
  [/^\/costs$/, "Costs", viewCosts],
  [/^\/stats$/, "Stats", viewStats],
  [/^\/forgotten$/, "Forgotten", viewForgotten],
];

let generation = 0;
let lastPath = null;

async function route() {
  const { path, params } = parseHash();
  const mine = ++generation;
  for (const [pattern, section, view] of ROUTES) {
    const m = path.match(pattern);
    if (!m) continue;
    for (const a of document.querySelectorAll("nav a")) {
      if (a.textContent === section) a.setAttribute("aria-current", "page");
      else a.removeAttribute("aria-current");
    }
    document.title = section + " · memcore";
    const root = el("div", { class: "view" });
    // A slow view (the stats run the doctor's integrity check) says it is loading.
    const slow = setTimeout(() => {
      if (mine !== generation) return;
      main.setAttribute("aria-busy", "true");
      clear(main);
      main.append(el("p", { class: "empty" }, "Loading " + section.toLowerCase() + "…"));
    }, 250);
    try {
      await view(root, params, m[1] ? decodeURIComponent(m[1]) : undefined);
    } catch (e) {
      root.append(failure(e));
    }
    clearTimeout(slow);
    if (mine !== generation) return; // a newer navigation won
    main.removeAttribute("aria-busy");
    clear(main);
    main.append(root);
    const focus = root.querySelector("[data-autofocus]");
    if (focus) focus.focus();
    else if (path !== lastPath && lastPath !== null) main.focus(); // screen readers start at the view
    if (path !== lastPath) window.scrollTo(0, 0);
    lastPath = path;
    return;
  }
  clear(main);
  main.append(el("h1", {}, "Not found"), el("p", {}, "No view at " + path + ". "), link("#/", "Back to observations"));
}

function go(path, params) {
  const target = "#" + path + (params ? qs(params) : "");
  if (location.hash === target) route();
  else location.hash = target;
}

// ---- observation rows --------------------------------------------------------------------

function obsRow(o, actions) {
  return el("article", { class: "row", "data-obs-id": o.id },
    el("div", { class: "row-head" },
      kindBadge(o.kind),
      link("#/obs/" + o.id, o.title || "(untitled)", { class: "title" }),
      o.author ? el("span", { class: "author", title: "A teammate's, through sync" }, "by " + o.author) : null,
      o.pinned ? el("span", { class: "pin", title: "Pinned" }, "pinned") : null),
    o.subtitle ? el("p", { class: "subtitle" }, o.subtitle) : null,
    o.narrative ? el("p", { class: "snippet" }, o.narrative) : null,
    el("p", { class: "meta" },
      "#" + o.id, " · ", o.project, " · ", when(o.created_at),
      o.session_id ? [" · ", link("#/session/" + encodeURIComponent(o.session_id), "session")] : null),
    actions || null);
}

async function forgetIds(ids) {
  const data = await api("/api/forget", { method: "POST", body: { ids } });
  say(forgotMessage(data.batch), data.batch.id);
  return data.batch;
}

// ---- #/ : newest observations ------------------------------------------------------------

async function viewObservations(root, params) {
  const filter = {
    project: params.get("project") || "",
    kind: params.get("kind") || "",
    session: params.get("session") || "",
    since: params.get("since") || "",
    until: params.get("until") || "",
    q: params.get("q") || "",
  };
  const projects = await projectNames();
  const form = el("form", { class: "filters", "aria-label": "Filter observations" },
    field("Project", select("project", [["", "All projects"]].concat(projects), filter.project)),
    field("Kind", select("kind", kindOptions("Any kind"), filter.kind)),
    field("Session", el("input", { name: "session", value: filter.session, placeholder: "session id" })),
    field("Since", el("input", { name: "since", type: "date", value: filter.since })),
    field("Before", el("input", { name: "until", type: "date", value: filter.until })),
    field("Containing", el("input", { name: "q", type: "search", value: filter.q, placeholder: "words" })),
    el("div", { class: "buttons" },
      el("button", { type: "submit" }, "Apply"),
      el("button", { type: "button", class: "danger", onclick: () => forgetMatching(readFilter(form)) }, "Forget matching…")));
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    go("/", readFilter(form));
  });

  const data = await api("/api/observations" + qs(Object.assign({ limit: PAGE }, filter)));
  const list = el("div", { class: "list" });
  const count = el("p", { class: "count" },
    data.total === null ? "" : num(data.total) + (data.total === 1 ? " observation" : " observations"));
  root.append(el("h1", {}, "Observations"), form, count, list);
  const addRows = (items) => {
    for (const o of items) {
      const forget = el("button", { type: "button", class: "small", onclick: async () => {
        try {
          await forgetIds([o.id]);
          row.remove();
        } catch (e) {
          say("Forget failed: " + e.message);
        }
      } }, "Forget");
      const row = obsRow(o, el("div", { class: "row-actions" }, forget));
      list.append(row);
    }
  };
  if (data.items.length === 0) list.append(el("p", { class: "empty" }, "No observation matches."));
  addRows(data.items);
  let next = data.next;
  if (next !== null && next !== undefined) {
    const more = el("button", { type: "button", class: "more" }, "Load more");
    more.addEventListener("click", async () => {
      more.disabled = true;
      try {
        const page = await api("/api/observations" + qs(Object.assign({ limit: PAGE, after: next }, filter)));
        addRows(page.items);
        next = page.next;
        if (next === null || next === undefined) more.remove();
      } catch (e) {
        say("Loading failed: " + e.message);
      }
      more.disabled = false;
    });
    root.append(more);
  }
}

function readFilter(form) {
  const out = {};
  for (const [k, v] of new FormData(form).entries()) {
    if (String(v).trim() !== "") out[k] = String(v).trim();
  }
  return out;
}

/** The bulk forget: a preview of what matches in a dialog, then "Confirm". */
async function forgetMatching(filter) {
  if (Object.keys(filter).length === 0) {
    say("Choose at least one filter first: forgetting everything is not offered.");
    return;
  }
  let preview;
  try {
    preview = await api("/api/forget", { method: "POST", body: { filter, preview: true } });
  } catch (e) {
    say("Preview failed: " + e.message);
    return;
  }
  const describe = Object.entries(filter).map(([k, v]) => k + " = " + v).join(", ");
  const dialog = el("dialog", { class: "confirm", "aria-labelledby": "forget-title" },
    el("h2", { id: "forget-title" }, "Forget " + num(preview.count) + (preview.count === 1 ? " observation?" : " observations?")),
    el("p", {}, "Matching " + describe + ". You can undo this until the forgotten records are purged."),
    preview.sample.length ? el("ul", { class: "sample" },
      preview.sample.map((o) => el("li", {}, kindBadge(o.kind), " ", o.title))) : null,
    preview.count > preview.sample.length ? el("p", { class: "meta" }, "…and " + num(preview.count - preview.sample.length) + " more.") : null);
  const confirm = el("button", { type: "button", class: "danger", disabled: preview.count === 0 }, "Confirm");
  const cancel = el("button", { type: "button" }, "Cancel");
  dialog.append(el("div", { class: "buttons" }, confirm, cancel));
  document.body.append(dialog);
  const close = () => { dialog.close(); dialog.remove(); };
  cancel.addEventListener("click", close);
  dialog.addEventListener("cancel", (ev) => { ev.preventDefault(); close(); });
  confirm.addEventListener("click", async () => {
    confirm.disabled = true;
    try {
      const data = await api("/api/forget", { method: "POST", body: { filter } });
      close();
      say(forgotMessage(data.batch), data.batch.id);
      route();
    } catch (e) {
      close();
      say("Forget failed: " + e.message);
    }
  });
  dialog.showModal();
  cancel.focus();
}

// ---- #/search ----------------------------------------------------------------------------

const PARTS = [
  ["relevance", "relevance", "fused text and vector relevance"],
  ["text_rank", "text rank", "BM25 over the best BM25 among candidates"],
  ["bm25", "BM25", "full-text score"],
  ["vector_similarity", "vector similarity", "cosine with the query"],
  ["recency", "recency", "age factor"],
  ["kind_weight", "kind weight", "weight of the kind or role"],
  ["importance", "importance", "importance factor"],
  ["file_match", "file match", "named-file boost"],
  ["superseded", "superseded", "penalty when replaced"],
  ["diversity", "diversity", "near-duplicate penalty"],
];

async function viewSearch(root, params) {
  const q = params.get("q") || "";
  const project = params.get("project") || "";
  const kind = params.get("kind") || "";
  const mode = params.get("mode") || "";
  const projects = await projectNames();
  const input = el("input", { type: "search", name: "q", value: q, id: "search-box",
    placeholder: "words to look for", "data-autofocus": true });
  const form = el("form", { class: "filters", role: "search" },
    field("Search memory", input),
    field("Project", select("project", [["", "All projects"]].concat(projects), project)),
    field("Kind", select("kind", kindOptions("Any kind"), kind)),
    field("Mode", select("mode", [["", "fused"], ["lexical", "lexical"], ["vector", "vector"]], mode)),
    el("div", { class: "buttons" }, el("button", { type: "submit" }, "Search")));
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    go("/search", readFilter(form));
  });
  root.append(el("h1", {}, "Search"), form);
  if (!q && !kind) {
    root.append(el("p", { class: "empty" }, "Type words and press Enter. Each hit shows why it ranks where it does."));
    return;
  }
  const data = await api("/api/search" + qs({ q, project, kind, mode, limit: 30 }));
  root.append(el("p", { class: "count" }, data.hits.length + (data.hits.length === 1 ? " hit" : " hits"),
    " · score = relevance × recency × kind weight × importance × file match × superseded × diversity"));
  if (data.hits.length === 0) root.append(el("p", { class: "empty" }, "Nothing in memory matches."));
  const list = el("div", { class: "list" });
  for (const hit of data.hits) list.append(hitRow(hit));
  root.append(list);
}

function hitRow(hit) {
  const parts = el("dl", { class: "parts" });
  for (const [key, label, help] of PARTS) {
    parts.append(el("div", { title: help }, el("dt", {}, label), el("dd", {}, fixed(hit.parts[key]))));
  }
  const matched = el("p", { class: "matched" }, "Matched: ",
    hit.matched.length ? hit.matched.map((w) => el("mark", {}, w)) : el("span", { class: "meta" }, "no query word (found by meaning or filters)"));
  const head = el("div", { class: "row-head" },
    el("span", { class: "layer" }, hit.layer),
    el("span", { class: "score", title: "final score" }, "score " + fixed(hit.score)));
  if (hit.layer === "observation") {
    const o = hit.observation;
    head.append(kindBadge(o.kind), link("#/obs/" + o.id, o.title || "(untitled)", { class: "title" }),
      o.author ? el("span", { class: "author", title: "A teammate's, through sync" }, "by " + o.author) : "");
    return el("article", { class: "row hit", "data-obs-id": o.id }, head,
      o.narrative ? el("p", { class: "snippet" }, o.narrative) : null,
      el("p", { class: "meta" }, "#" + o.id, " · ", o.project, " · ", when(o.created_at)),
      matched, parts);
  }
  const r = hit.record;
  head.append(el("span", { class: "kind" }, r.role + (r.tool ? " · " + r.tool : "")),
    link("#/session/" + encodeURIComponent(r.session_id), "record c" + r.event_id, { class: "title" }));
  return el("article", { class: "row hit", "data-record-id": r.event_id }, head,
    el("p", { class: "snippet" }, r.text),
    el("p", { class: "meta" }, "c" + r.event_id, " · ", r.project, " · ", when(r.occurred_at)),
    matched, parts);
}

// ---- #/sessions and #/session/ID ---------------------------------------------------------

async function viewSessions(root, params) {
  const project = params.get("project") || "";
  const [projects, sessions] = await Promise.all([
    api("/api/projects"),
    api("/api/sessions" + qs({ project, limit: 100 })),
  ]);
  const ptable = el("table", {},
    el("caption", {}, "Projects"),
    el("thead", {}, el("tr", {}, el("th", { scope: "col" }, "Project"), el("th", { scope: "col" }, "Observations"), el("th", { scope: "col" }, "Sessions"))),
    el("tbody", {}, projects.projects.map((p) => el("tr", {},
      el("th", { scope: "row" }, link("#/sessions" + qs({ project: p.name }), p.name)),
      el("td", {}, num(p.observations)), el("td", {}, num(p.sessions))))));
  const stable = el("table", {},
    el("caption", {}, project ? "Sessions of " + project : "Newest sessions"),
    el("thead", {}, el("tr", {}, ["Session", "Project", "Started", "Ended", "Observations"].map((h) => el("th", { scope: "col" }, h)))),
    el("tbody", {}, sessions.sessions.map((s) => el("tr", {},
      el("th", { scope: "row" }, link("#/session/" + encodeURIComponent(s.id), s.id)),
      el("td", {}, s.project), el("td", {}, when(s.started_at)),
      el("td", {}, s.ended_at ? when(s.ended_at) : s.status), el("td", {}, num(s.observations))))));
  root.append(el("h1", {}, "Sessions"),
    project ? el("p", {}, link("#/sessions", "All projects")) : null,
    el("div", { class: "scroll" }, ptable), el("div", { class: "scroll" }, stable));
}

const TYPE_LABELS = {
  prompt: "prompt", tool_call: "tool call", assistant: "assistant", note: "note",
  observation: "observation", summary: "summary", injection: "injection",
};

async function viewSession(root, params, id) {
  const data = await api("/api/sessions/" + encodeURIComponent(id));
  const s = data.session;
  root.append(el("h1", {}, "Session ", el("code", {}, s.id)),
    el("p", { class: "meta" }, s.project, " · ", s.agent, " · started ", when(s.started_at),
      s.ended_at ? [" · ended ", when(s.ended_at)] : " · " + s.status));
  root.append(el("h2", {}, "Injected by memory"));
  if (data.injections.length === 0) root.append(el("p", { class: "empty" }, "Nothing was injected into this session."));
  else root.append(injectionTable(data.injections, false));
  root.append(el("h2", {}, "Timeline"));
  if (data.truncated) root.append(el("p", { class: "meta" }, "Long session: the first entries only."));
  const list = el("ol", { class: "timeline" });
  for (const item of data.timeline) list.append(timelineItem(item));
  if (data.timeline.length === 0) root.append(el("p", { class: "empty" }, "No event recorded."));
  root.append(list);
}

function timelineItem(item) {
  const head = el("div", { class: "tl-head" }, el("span", { class: "tl-type tl-" + item.type }, TYPE_LABELS[item.type] || item.type), when(item.at));
  const li = el("li", { class: "tl tl-item-" + item.type }, head);
  switch (item.type) {
    case "prompt":
    case "assistant":
    case "note":
      li.append(el("p", { class: "text" }, item.text));
      break;
    case "tool_call":
      li.append(el("p", {}, el("strong", {}, item.tool)),
        el("details", {}, el("summary", {}, "Input and output"),
          el("pre", {}, item.input),
          item.output ? el("pre", {}, item.output) : null,
          item.error ? el("pre", { class: "error" }, item.error) : null));
      break;
    case "observation":
      li.append(obsRow(item.observation));
      break;
    case "summary": {
      const c = item.summary.content || {};
      const dl = el("dl", { class: "summary" });
      for (const key of ["request", "investigated", "learned", "completed", "next_steps", "notes"]) {
        if (c[key]) dl.append(el("dt", {}, key.replace("_", " ")), el("dd", {}, c[key]));
      }
      li.append(dl);
      break;
    }
    case "injection":
      li.append(injectionSummary(item.injection));
      break;
    default:
      break;
  }
  return li;
}

function idLinks(ids) {
  if (!ids || ids.length === 0) return "—";
  const out = [];
  ids.forEach((id, i) => {
    if (i > 0) out.push(" ");
    out.push(link("#/obs/" + id, "#" + id));
  });
  return el("span", { class: "ids" }, out);
}

function injectionSummary(inj) {
  return el("p", {}, inj.event + ": " + num(inj.tokens) + " of " + num(inj.budget) + " tokens; observations ",
    idLinks(inj.observation_ids),
    inj.event_ids && inj.event_ids.length ? " · records " + inj.event_ids.map((e) => "c" + e).join(" ") : null,
    inj.query ? [" · for ", el("q", {}, inj.query)] : null);
}

function injectionTable(injections, withSession) {
  const heads = ["When", "Event"].concat(withSession ? ["Session", "Project"] : []).concat(["Tokens", "Observations", "Records", "Query"]);
  return el("div", { class: "scroll" }, el("table", { class: "injections" },
    el("thead", {}, el("tr", {}, heads.map((h) => el("th", { scope: "col" }, h)))),
    el("tbody", {}, injections.map((i) => el("tr", { "data-injection-id": i.id },
      el("td", { "data-label": "When" }, when(i.at)), el("td", { "data-label": "Event" }, i.event),
      withSession ? [
        el("td", { "data-label": "Session" }, link("#/session/" + encodeURIComponent(i.session_id), i.session_id)),
        el("td", { "data-label": "Project" }, i.project)] : null,
      el("td", { "data-label": "Tokens" }, num(i.tokens) + " / " + num(i.budget)),
      el("td", { "data-label": "Observations" }, idLinks(i.observation_ids)),
      el("td", { "data-label": "Records" }, (i.event_ids || []).map((e) => "c" + e).join(" ") || "—"),
      el("td", { "data-label": "Query" }, i.query || "—"))))));
}

// ---- #/obs/ID ----------------------------------------------------------------------------

async function viewObservation(root, params, id) {
  const data = await api("/api/observations/" + encodeURIComponent(id));
  renderObservation(root, data);
}

function renderObservation(root, data) {
  clear(root);
  const o = data.observation;
  const article = el("article", { class: "detail", "data-obs-id": o.id });
  const list = (label, items) => items && items.length
    ? [el("dt", {}, label), el("dd", {}, el("ul", {}, items.map((x) => el("li", {}, x))))] : null;
  const facts = el("dl", { class: "facts" },
    el("dt", {}, "Kind"), el("dd", {}, kindBadge(o.kind)),
    el("dt", {}, "Project"), el("dd", {}, o.project),
    el("dt", {}, "Session"), el("dd", {}, o.session_id ? link("#/session/" + encodeURIComponent(o.session_id), o.session_id) : "—"),
    el("dt", {}, "Created"), el("dd", {}, when(o.created_at)),
    el("dt", {}, "Importance"), el("dd", {}, fixed(o.importance, 2)),
    el("dt", {}, "Tokens"), el("dd", {}, num(o.token_count)),
    el("dt", {}, "Pinned"), el("dd", {}, o.pinned ? "yes" : "no"),
    data.supersedes ? [el("dt", {}, "Replaces"), el("dd", {}, link("#/obs/" + data.supersedes, "#" + data.supersedes))] : null,
    data.superseded_by ? [el("dt", {}, "Replaced by"), el("dd", {}, link("#/obs/" + data.superseded_by, "#" + data.superseded_by))] : null,
    list("Facts", o.facts), list("Concepts", o.concepts),
    list("Files read", o.files_read), list("Files modified", o.files_modified));
  const body = el("div", { class: "body" },
    o.subtitle ? el("p", { class: "subtitle" }, o.subtitle) : null,
    el("p", { class: "narrative" }, o.narrative || ""));

  const editButton = el("button", { type: "button" }, "Edit");
  const pinButton = el("button", { type: "button" }, o.pinned ? "Unpin" : "Pin");
  const forgetButton = el("button", { type: "button", class: "danger" }, "Forget");
  const actions = el("div", { class: "buttons" }, editButton, pinButton, forgetButton);
  article.append(el("h1", {}, o.title || "(untitled)"), el("p", { class: "meta" }, "#" + o.id, o.author ? " · by " + o.author : ""), actions, body, facts);

  editButton.addEventListener("click", () => {
    const title = el("input", { name: "title", value: o.title, required: true, "data-autofocus": true });
    const narrative = el("textarea", { name: "narrative", rows: 8 });
    narrative.value = o.narrative || "";
    const kinds = KINDS.includes(o.kind) ? KINDS : KINDS.concat([o.kind]);
    const kind = select("kind", kinds, o.kind);
    const cancel = el("button", { type: "button" }, "Cancel");
    const form = el("form", { class: "edit", "aria-label": "Edit observation" },
      field("Title", title), field("Narrative", narrative), field("Kind", kind),
      el("div", { class: "buttons" }, el("button", { type: "submit" }, "Save"), cancel));
    const restore = () => { form.replaceWith(body); actions.hidden = false; editButton.focus(); };
    cancel.addEventListener("click", restore);
    form.addEventListener("keydown", (ev) => { if (ev.key === "Escape") restore(); });
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      const edit = {};
      if (title.value !== o.title) edit.title = title.value;
      if (narrative.value !== (o.narrative || "")) edit.narrative = narrative.value;
      if (kind.value !== o.kind) edit.kind = kind.value;
      if (Object.keys(edit).length === 0) { restore(); return; }
      try {
        const saved = await api("/api/observations/" + o.id, { method: "PATCH", body: edit });
        data.observation = saved.observation;
        renderObservation(root, data);
        say("Saved #" + o.id + ".");
      } catch (e) {
        say("Save failed: " + e.message);
      }
    });
    actions.hidden = true;
    body.replaceWith(form);
    title.focus();
  });

  pinButton.addEventListener("click", async () => {
    try {
      const saved = await api("/api/observations/" + o.id + "/pin", { method: "POST", body: { pinned: !o.pinned } });
      data.observation = saved.observation;
      renderObservation(root, data);
      say(saved.observation.pinned ? "Pinned #" + o.id + "." : "Unpinned #" + o.id + ".");
      const again = root.querySelector(".buttons button:nth-child(2)");
      if (again) again.focus();
    } catch (e) {
      say("Pin failed: " + e.message);
    }
  });

  forgetButton.addEventListener("click", async () => {
    try {
      await forgetIds([o.id]);
      clear(root);
      root.append(el("h1", {}, "Forgotten"),
        el("p", {}, "#" + o.id + " (" + o.title + ") is forgotten; Undo in the status bar restores it."),
        link("#/", "Back to observations"));
    } catch (e) {
      say("Forget failed: " + e.message);
    }
  });

  const sources = el("section", { "aria-labelledby": "prov" }, el("h2", { id: "prov" }, "Provenance"));
  if (data.sources.length === 0) sources.append(el("p", { class: "empty" }, "No source event recorded."));
  else {
    const ol = el("ol", { class: "timeline" });
    for (const ev of data.sources) ol.append(timelineItem(eventItem(ev)));
    sources.append(ol);
  }
  const injected = el("section", { "aria-labelledby": "inj" }, el("h2", { id: "inj" }, "Injected into sessions"));
  if (data.injected_in.length === 0) injected.append(el("p", { class: "empty" }, "Not injected into any session yet."));
  else injected.append(injectionTable(data.injected_in, true));
  root.append(article, sources, injected);
}

/** An event as a timeline item (the provenance list). */
function eventItem(ev) {
  const p = ev.payload || {};
  const base = { at: ev.occurred_at, event_id: ev.id };
  switch (p.type) {
    case "user_prompt": return Object.assign(base, { type: "prompt", text: p.text });
    case "assistant_message": return Object.assign(base, { type: "assistant", text: p.text });
    case "note": return Object.assign(base, { type: "note", text: p.text });
    case "tool_use": return Object.assign(base, { type: "tool_call", tool: p.tool_name,
      input: JSON.stringify(p.input), output: p.output, error: p.error });
    default: return Object.assign(base, { type: p.type || "event" });
  }
}

// ---- #/injections, #/costs, #/stats, #/forgotten -----------------------------------------

async function viewInjections(root, params) {
  const data = await api("/api/injections" + qs({ project: params.get("project"), session: params.get("session"), limit: 200 }));
  root.append(el("h1", {}, "Injections"),
    el("p", { class: "meta" }, "What memory gave each session at its start (SessionStart) and with each prompt (UserPromptSubmit)."));
  if (data.injections.length === 0) root.append(el("p", { class: "empty" }, "No injection recorded yet."));
  else root.append(injectionTable(data.injections, true));
}

async function viewCosts(root, params) {
  const days = params.get("days") || "30";
  const data = await api("/api/costs" + qs({ days }));
  const range = select("days", [["7", "7 days"], ["30", "30 days"], ["90", "90 days"]], days);
  range.addEventListener("change", () => go("/costs", { days: range.value }));
  root.append(el("h1", {}, "Costs"), el("form", { class: "filters compact" }, field("Period", range)));
  const cap = data.daily_cap;
  const today = el("p", { class: "today" }, "LLM tokens today: ", el("strong", {}, num(data.today)),
    cap ? " of a daily cap of " + num(cap) : " (no daily cap set)");
  root.append(today);
  if (cap) {
    const meter = el("meter", { min: 0, max: cap, value: Math.min(data.today, cap), "aria-label": "Tokens today against the daily cap" });
    root.append(meter);
  }
  if (data.days.length === 0) {
    root.append(el("p", { class: "empty" }, "No extraction recorded in this period."));
    return;
  }
  const byDay = new Map();
  for (const d of data.days) byDay.set(d.day, (byDay.get(d.day) || 0) + d.prompt_tokens + d.completion_tokens);
  const max = Math.max(1, cap || 0, ...byDay.values());
  const chart = el("ol", { class: "bars", "aria-label": "Tokens by day" });
  for (const [day, total] of [...byDay.entries()].sort()) {
    const bar = el("span", { class: "bar" });
    bar.style.width = (100 * total / max).toFixed(1) + "%";
    if (cap && total > cap) bar.classList.add("over");
    chart.append(el("li", {}, el("span", { class: "day" }, day), bar, el("span", { class: "n" }, num(total))));
  }
  root.append(chart);
  root.append(el("div", { class: "scroll" }, el("table", {},
    el("thead", {}, el("tr", {}, ["Day", "Provider", "Model", "Calls", "Prompt tokens", "Completion tokens", "Total"].map((h) => el("th", { scope: "col" }, h)))),
    el("tbody", {}, data.days.map((d) => el("tr", {},
      el("td", {}, d.day), el("td", {}, d.provider), el("td", {}, d.model), el("td", {}, num(d.calls)),
      el("td", {}, num(d.prompt_tokens)), el("td", {}, num(d.completion_tokens)),
      el("td", {}, num(d.prompt_tokens + d.completion_tokens))))))));
}

async function viewStats(root) {
  const data = await api("/api/stats");
  const s = data.stats;
  const d = data.doctor;
  root.append(el("h1", {}, "Stats"));
  const counts = el("dl", { class: "facts" },
    el("dt", {}, "Observations"), el("dd", {}, num(s.observations)),
    el("dt", {}, "Sessions"), el("dd", {}, num(s.sessions)),
    el("dt", {}, "Summaries"), el("dd", {}, num(s.summaries)),
    el("dt", {}, "Events"), el("dd", {}, num(s.events) + " (" + num(s.pending_events) + " pending, " + num(s.failed_events) + " failed)"),
    el("dt", {}, "Store size"), el("dd", {}, num(s.file_size_bytes) + " bytes"),
    el("dt", {}, "Schema version"), el("dd", {}, String(s.schema_version)));
  const kinds = el("table", { class: "narrow" }, el("caption", {}, "Observations by kind"),
    el("tbody", {}, Object.entries(s.observations_by_kind || {}).map(([k, n]) => el("tr", {}, el("th", { scope: "row" }, kindBadge(k)), el("td", {}, num(n))))));
  root.append(counts, kinds);
  root.append(el("h2", {}, "Doctor"));
  const problems = d.problems || [];
  root.append(problems.length
    ? el("ul", { class: "problems" }, problems.map((p) => el("li", {}, p)))
    : el("p", { class: "ok" }, "No problem found."));
  const store = d.store || {};
  const ex = d.extraction || {};
  root.append(el("dl", { class: "facts" },
    el("dt", {}, "Store"), el("dd", {}, String(store.path || "")),
    el("dt", {}, "Integrity"), el("dd", {}, (store.integrity || ["not checked"]).join("; ")),
    el("dt", {}, "Provider"), el("dd", {}, String(ex.provider || "")),
    el("dt", {}, "Extractor running"), el("dd", {}, ex.running_pid ? "pid " + ex.running_pid : "no"),
    el("dt", {}, "Version"), el("dd", {}, String(d.version || ""))));
}

async function viewForgotten(root) {
  const data = await api("/api/forgotten");
  root.append(el("h1", {}, "Forgotten"),
    el("p", { class: "meta" }, "Forgotten observations leave every view and search at once, and stay recoverable here until purged."));
  if (data.batches.length === 0) {
    root.append(el("p", { class: "empty" }, "Nothing forgotten is waiting to be purged."));
    return;
  }
  const list = el("div", { class: "list" });
  for (const b of data.batches) {
    const undo = el("button", { type: "button", onclick: async () => {
      undo.disabled = true;
      await undoForget(b.id);
    } }, "Undo");
    const n = b.observation_ids.length;
    list.append(el("article", { class: "row", "data-batch-id": b.id },
      el("div", { class: "row-head" }, el("span", { class: "title" }, "Batch " + b.id + ": " + n + (n === 1 ? " observation" : " observations")), when(b.at)),
      el("p", { class: "meta" }, b.reason, " · ids ", b.observation_ids.slice(0, 20).map((i) => "#" + i).join(" "), n > 20 ? " …" : ""),
      el("div", { class: "row-actions" }, undo)));
  }
  root.append(list);
}

// ---- keyboard and start ------------------------------------------------------------------

document.addEventListener("keydown", (ev) => {
  if (ev.key !== "/" || ev.ctrlKey || ev.metaKey || ev.altKey) return;
  const t = ev.target;
  if (t && (t.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(t.tagName))) return;
  ev.preventDefault();
  const box = document.getElementById("search-box");
  if (box) box.focus();
  else go("/search");
});

window.addEventListener("hashchange", route);
if (!TOKEN) {
  main.append(el("p", { class: "error", role: "alert" }, "This page needs the token of the URL that `memcore ui` printed."));
} else {
  route();
}
