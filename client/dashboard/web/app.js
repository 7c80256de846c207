// casewire dashboard. Everything on this page comes from the local casewire
// client, which verified the daemon's signature on every notification; it
// holds only codes, count buckets and hour-truncated times. Text is always
// set with textContent (never as HTML), and the Content-Security-Policy
// allows no inline script, no other origin.
"use strict";

// The access token arrives in the address's fragment (#token=...), which the
// browser never sends to a server or proxy. It is kept in this tab's
// sessionStorage - per origin, so no page on another port of this computer
// can read it - sent as an Authorization header, and taken out of the
// address bar at once. Never a cookie: a cookie for 127.0.0.1 goes to every
// port of 127.0.0.1 (client/dashboard/access.h).
const TOKEN = (() => {
  const m = /^#token=([0-9a-f]{64})$/.exec(window.location.hash);
  if (m) {
    window.sessionStorage.setItem("casewire.token", m[1]);
    history.replaceState(null, "", "/");
  }
  return window.sessionStorage.getItem("casewire.token") || "";
})();

function api(path, init) {
  const opts = Object.assign({}, init || {});
  opts.headers = Object.assign({}, opts.headers || {}, { Authorization: "Bearer " + TOKEN });
  opts.credentials = "omit";
  opts.cache = "no-store";
  return fetch(path, opts);
}

const WORDS = {
  en: {
    title: "Cases", language: "Language", region: "Region", urgency: "Urgency", state: "State",
    all: "All", case: "Case", place: "Arrested in / held at", people: "People",
    consent: "Consent", transfer: "Transfer expected", acting: "Acting", actions: "",
    view: "Open", ack: "We are acting", acked: "You are acting",
    confirm: "Tell the other organisations that you are acting on this case?",
    yes: "Yes, we are acting", no: "Cancel", back: "Back to the list", print: "Print",
    empty: "No cases yet. New cases appear here by themselves.",
    chart: "New cases by month and region", timeline: "Timeline",
    report: "Publishable chart of the last 12 months (SVG; counts under 5 hidden)",
    verified: "signature verified", live: "live", connecting: "connecting",
    reconnecting: "reconnecting…", offline: "connection to this computer's casewire lost",
    no_token: "Open the address the casewire program printed (this one has no access token).",
    answered: { cannot_act: "You said you cannot act", need_information: "You asked for information" },
    printed: (org, at, daemon) => `Printed by organisation key ${org} on ${at}; daemon key ${daemon}.`,
    acting_n: (n) => `acting: ${n} organisation${n === 1 ? "" : "s"}`,
    children: "children", elderly: "elderly", sick: "sick",
    in_h: (d, h) => (d > 0 ? `in ${d} d ${h} h` : `in ${h} h`),
    overdue: (d, h) => (d > 0 ? `${d} d ${h} h ago` : `${h} h ago`),
    unknown: "not known", ack_done: "Acknowledged: the other organisations see it now.",
    ack_failed: (c) => `Not acknowledged (${c}). Try again.`,
    status: "Status", arrested: "Arrested", held: "Held at",
    ev: { new_case: "new case", update: "update", resolved: "resolved", retraction: "retracted",
          escalation: "escalated: nobody acting yet", acknowledged: "an organisation is acting" },
    st: { open: "open", updated: "updated", resolved: "resolved", retracted: "retracted" },
    urg: { immediate: "immediate", high: "high", normal: "normal" },
    con: { private: "private", advocacy: "advocacy" },
    stat: { detained: "detained", transferred: "transferred", released: "released",
            returned: "returned" },
  },
  ko: {
    title: "사건", language: "언어", region: "지역", urgency: "긴급도", state: "상태",
    all: "전체", case: "사건", place: "체포 지역 / 억류 장소", people: "인원",
    consent: "동의", transfer: "이송 예정", acting: "대응", actions: "",
    view: "열기", ack: "우리가 대응합니다", acked: "대응 중",
    confirm: "이 사건에 대응하고 있다고 다른 단체들에 알릴까요?",
    yes: "예, 대응합니다", no: "취소", back: "목록으로", print: "인쇄",
    empty: "아직 사건이 없습니다. 새 사건은 저절로 여기에 나타납니다.",
    chart: "월별·지역별 새 사건", timeline: "경과",
    report: "공개용 지난 12개월 차트 (SVG; 5 미만은 숨김)",
    verified: "서명 확인됨", live: "실시간", connecting: "연결 중",
    reconnecting: "다시 연결 중…", offline: "이 컴퓨터의 casewire 와 연결이 끊겼습니다",
    no_token: "casewire 프로그램이 출력한 주소를 여십시오 (이 주소에는 접근 토큰이 없습니다).",
    answered: { cannot_act: "대응할 수 없다고 답했습니다", need_information: "정보를 요청했습니다" },
    printed: (org, at, daemon) => `단체 키 ${org} 가 ${at} 에 인쇄함; 데몬 키 ${daemon}.`,
    acting_n: (n) => `대응: ${n}개 단체`,
    children: "어린이", elderly: "노인", sick: "환자",
    in_h: (d, h) => (d > 0 ? `${d}일 ${h}시간 후` : `${h}시간 후`),
    overdue: (d, h) => (d > 0 ? `${d}일 ${h}시간 지남` : `${h}시간 지남`),
    unknown: "알 수 없음", ack_done: "확인했습니다: 다른 단체들이 지금 봅니다.",
    ack_failed: (c) => `확인되지 않았습니다 (${c}). 다시 시도하십시오.`,
    status: "상황", arrested: "체포 시각", held: "억류 장소",
    ev: { new_case: "새 사건", update: "갱신", resolved: "해결", retraction: "철회",
          escalation: "상부 보고: 아직 대응하는 단체 없음", acknowledged: "한 단체가 대응 중" },
    st: { open: "진행 중", updated: "갱신됨", resolved: "해결됨", retracted: "철회됨" },
    urg: { immediate: "즉시", high: "높음", normal: "보통" },
    con: { private: "비공개", advocacy: "공개 활용" },
    stat: { detained: "억류", transferred: "이송", released: "석방", returned: "송환" },
  },
};

const URGENCY_RANK = { immediate: 0, high: 1, normal: 2, "": 3 };
const COLOURS = ["#1a5fb4", "#c64600", "#26a269", "#9141ac", "#a51d2d", "#986a44", "#5e5c64"];

let lang = pickLanguage();
let board = { cases: [], history: [], feed: "connecting" };
let openCase = null;
let pendingAck = null;

function pickLanguage() {
  const saved = window.localStorage.getItem("casewire.lang");
  if (saved === "en" || saved === "ko") return saved;
  const wanted = navigator.languages || [navigator.language || "en"];
  return wanted.some((l) => l.toLowerCase().startsWith("ko")) ? "ko" : "en";
}

function w(key) { return WORDS[lang][key]; }
function $(id) { return document.getElementById(id); }
function el(tag, text, cls) {
  const e = document.createElement(tag);
  if (text !== undefined && text !== null) e.textContent = text;
  if (cls) e.className = cls;
  return e;
}

function placeName(names, code) {
  if (!code) return w("unknown");
  const n = names && (names[lang] || names.en);
  return n || code;
}

function peopleText(c) {
  if (!c.people) return w("unknown");
  const parts = [c.people];
  for (const k of ["children", "elderly", "sick"])
    if (c[k] && c[k] !== "0") parts.push(`${w(k)} ${c[k]}`);
  return parts.join(", ");
}

// Hours and days to the expected transfer; "soon" under 24 hours (or past).
function countdown(iso) {
  if (!iso) return { text: w("unknown"), soon: false, ms: Infinity };
  const ms = Date.parse(iso) - Date.now();
  const hours = Math.floor(Math.abs(ms) / 3600000);
  const d = Math.floor(hours / 24), h = hours % 24;
  return { text: ms >= 0 ? w("in_h")(d, h) : w("overdue")(d, h), soon: ms < 86400000, ms };
}

// ISO 8601, in this computer's time zone, to the minute the data has (times
// are whole hours): 2026-12-04 22:00 (UTC+8) - never 04/12/2026, which a
// reader from elsewhere takes for the 12th of April.
function fmtTime(iso) {
  if (!iso) return w("unknown");
  const t = new Date(iso);
  if (isNaN(t)) return iso;
  const p = (n) => String(n).padStart(2, "0");
  const off = -t.getTimezoneOffset();
  const zone = "UTC" + (off === 0 ? "" : (off > 0 ? "+" : "-") + Math.floor(Math.abs(off) / 60) +
    (Math.abs(off) % 60 ? ":" + p(Math.abs(off) % 60) : ""));
  return `${t.getFullYear()}-${p(t.getMonth() + 1)}-${p(t.getDate())} ` +
    `${p(t.getHours())}:${p(t.getMinutes())} (${zone})`;
}

function sorted(cases) {
  const active = (c) => (c.state === "resolved" || c.state === "retracted" ? 1 : 0);
  return cases.slice().sort((a, b) =>
    active(a) - active(b) ||
    URGENCY_RANK[a.urgency || ""] - URGENCY_RANK[b.urgency || ""] ||
    countdown(a.expected_transfer).ms - countdown(b.expected_transfer).ms ||
    (b.first_seen || "").localeCompare(a.first_seen || ""));
}

function filtered(cases) {
  const r = $("f-region").value, u = $("f-urgency").value, s = $("f-state").value;
  return cases.filter((c) => (!r || c.region === r) && (!u || c.urgency === u) && (!s || c.state === s));
}

function fillSelect(sel, values, label) {
  const keep = sel.value;
  sel.replaceChildren(el("option", w("all")));
  sel.firstChild.value = "";
  for (const v of values) {
    const o = el("option", label(v));
    o.value = v;
    sel.appendChild(o);
  }
  sel.value = values.includes(keep) ? keep : "";
}

function renderStatic() {
  document.documentElement.lang = lang;
  $("lang").value = lang;
  $("title").textContent = w("title");
  $("lang-label").textContent = w("language");
  $("l-region").textContent = w("region");
  $("l-urgency").textContent = w("urgency");
  $("l-state").textContent = w("state");
  $("chart-title").textContent = w("chart");
  $("report-link").textContent = w("report");
  $("timeline-title").textContent = w("timeline");
  $("back").textContent = w("back");
  $("print").textContent = w("print");
  $("confirm-text").textContent = w("confirm");
  $("confirm-yes").textContent = w("yes");
  $("confirm-no").textContent = w("no");
  const head = $("cases-head");
  head.replaceChildren();
  for (const k of ["case", "place", "people", "urgency", "consent", "state", "transfer", "acting", "actions"])
    head.appendChild(el("th", w(k)));
}

function renderFeed() {
  const f = $("feed");
  f.textContent = w(board.feed) || board.feed;
  f.className = board.feed === "live" ? "live" : "down";
}

function cell(row, label, text, cls) {
  const td = el("td", text, cls);
  if (label) td.dataset.label = label;
  row.appendChild(td);
  return td;
}

function renderList() {
  const regions = [...new Set(board.cases.map((c) => c.region).filter(Boolean))].sort();
  fillSelect($("f-region"), regions, (r) => {
    const c = board.cases.find((x) => x.region === r);
    return placeName(c && c.region_names, r);
  });
  fillSelect($("f-urgency"), ["immediate", "high", "normal"], (u) => w("urg")[u]);
  fillSelect($("f-state"), ["open", "updated", "resolved", "retracted"], (s) => w("st")[s]);

  const body = $("cases-body");
  body.replaceChildren();
  const list = sorted(filtered(board.cases));
  for (const c of list) {
    const tr = el("tr");
    tr.tabIndex = 0;
    tr.dataset.case = c.case;
    if (c.state === "retracted") tr.className = "retracted";
    cell(tr, w("case"), c.case.slice(0, 8), "pseudonym");
    const place = cell(tr, w("place"), placeName(c.region_names, c.region));
    if (c.held_at) {
      place.appendChild(el("br"));
      place.appendChild(document.createTextNode(placeName(c.held_names, c.held_at) + " "));
      place.appendChild(el("span", c.held_at, "code"));
    }
    cell(tr, w("people"), peopleText(c));
    cell(tr, w("urgency"), w("urg")[c.urgency] || w("unknown"), "urgency-" + (c.urgency || "none"));
    cell(tr, w("consent"), w("con")[c.consent] || w("unknown"));
    const st = cell(tr, w("state"));
    st.appendChild(el("span", w("st")[c.state] || c.state, "state state-" + c.state));
    const cd = countdown(c.expected_transfer);
    cell(tr, w("transfer"), cd.text, "countdown" + (cd.soon && c.expected_transfer ? " soon" : ""));
    cell(tr, w("acting"), w("acting_n")(c.acks), "acting");
    const actions = cell(tr, null);
    const view = el("button", w("view"));
    view.type = "button";
    view.addEventListener("click", (e) => { e.stopPropagation(); show(c.case); });
    actions.appendChild(view);
    actions.appendChild(document.createTextNode(" "));
    actions.appendChild(ackButton(c));
    tr.addEventListener("click", () => show(c.case));
    tr.addEventListener("keydown", (e) => { if (e.key === "Enter" && e.target === tr) show(c.case); });
    body.appendChild(tr);
  }
  $("empty").textContent = w("empty");
  $("empty").hidden = list.length > 0;
}

function ackButton(c) {
  if (!c.acknowledged_by_us && c.our_answer && w("answered")[c.our_answer]) {
    const s = el("span", w("answered")[c.our_answer], "answered");
    s.dataset.case = c.case;
    return s;
  }
  const b = el("button", c.acknowledged_by_us ? w("acked") : w("ack"), "ack" + (c.acknowledged_by_us ? "" : " primary"));
  b.type = "button";
  b.dataset.case = c.case;
  b.disabled = c.acknowledged_by_us || c.state === "retracted";
  b.addEventListener("click", (e) => { e.stopPropagation(); askAck(c.case); });
  return b;
}

function renderCase() {
  if (!openCase) return;
  const c = board.cases.find((x) => x.case === openCase);
  if (!c) return;
  $("case-title").textContent = `${w("case")} ${c.case}`;
  const dl = $("case-facts");
  dl.replaceChildren();
  const fact = (k, v) => { dl.appendChild(el("dt", k)); dl.appendChild(el("dd", v)); };
  fact(w("state"), w("st")[c.state] || c.state);
  fact(w("status"), w("stat")[c.status] || w("unknown"));
  fact(w("people"), peopleText(c));
  fact(w("region"), `${placeName(c.region_names, c.region)} (${c.region || "-"})`);
  fact(w("held"), c.held_at ? `${placeName(c.held_names, c.held_at)} (${c.held_at})` : w("unknown"));
  fact(w("arrested"), fmtTime(c.arrested_at));
  const cd = countdown(c.expected_transfer);
  fact(w("transfer"), c.expected_transfer ? `${fmtTime(c.expected_transfer)} (${cd.text})` : w("unknown"));
  fact(w("urgency"), w("urg")[c.urgency] || w("unknown"));
  fact(w("consent"), w("con")[c.consent] || w("unknown"));
  fact(w("acting"), w("acting_n")(c.acks));
  $("case-ack-box").replaceChildren(ackButton(c));
  $("print-header").textContent = w("printed")(board.org_key_id || "?", fmtTime(new Date().toISOString()),
    board.daemon_key_id || "?");
  const ol = $("timeline");
  ol.replaceChildren();
  for (const e of c.timeline) {
    const li = el("li");
    li.appendChild(el("strong", fmtTime(e.issued_at)));
    li.appendChild(document.createTextNode(" — " + (w("ev")[e.event] || e.event) + " "));
    if (e.verified) li.appendChild(el("span", "✓ " + w("verified"), "verified"));
    ol.appendChild(li);
  }
}

// New cases by month, stacked by region: plain SVG, drawn here.
function renderChart() {
  const box = $("chart");
  box.replaceChildren();
  const months = [...new Set(board.history.map((h) => h.month))].sort();
  const regions = [...new Set(board.history.map((h) => h.region))].sort();
  if (months.length === 0) return;
  const NS = "http://www.w3.org/2000/svg";
  const W = 600, H = 220, left = 30, bottom = 30, top = 10;
  const totals = months.map((m) => board.history.filter((h) => h.month === m).reduce((s, h) => s + h.count, 0));
  const max = Math.max(1, ...totals);
  const bw = Math.min(60, (W - left) / months.length - 10);
  const svg = document.createElementNS(NS, "svg");
  svg.setAttribute("viewBox", `0 0 ${W} ${H}`);
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-label", w("chart"));
  const text = (x, y, s, anchor) => {
    const t = document.createElementNS(NS, "text");
    t.setAttribute("x", x); t.setAttribute("y", y); t.setAttribute("class", "axis");
    if (anchor) t.setAttribute("text-anchor", anchor);
    t.textContent = s;
    svg.appendChild(t);
  };
  text(left - 4, top + 8, String(max), "end");
  text(left - 4, H - bottom, "0", "end");
  months.forEach((m, i) => {
    const x = left + 10 + i * ((W - left) / months.length);
    let y = H - bottom;
    regions.forEach((r, ri) => {
      const h = board.history.find((e) => e.month === m && e.region === r);
      if (!h) return;
      const height = (h.count / max) * (H - bottom - top);
      y -= height;
      const rect = document.createElementNS(NS, "rect");
      rect.setAttribute("x", x); rect.setAttribute("y", y);
      rect.setAttribute("width", bw); rect.setAttribute("height", height);
      rect.setAttribute("fill", COLOURS[ri % COLOURS.length]);
      const title = document.createElementNS(NS, "title");
      title.textContent = `${m} ${placeName(h.region_names, r)}: ${h.count}`;
      rect.appendChild(title);
      svg.appendChild(rect);
    });
    text(x + bw / 2, H - bottom + 16, m, "middle");
  });
  box.appendChild(svg);
  const legend = el("div", null, "legend");
  regions.forEach((r, ri) => {
    const h = board.history.find((e) => e.region === r);
    const item = el("span");
    const sw = el("span", null, "swatch");
    sw.style.background = COLOURS[ri % COLOURS.length];
    item.appendChild(sw);
    item.appendChild(document.createTextNode(placeName(h && h.region_names, r) || "?"));
    legend.appendChild(item);
  });
  box.appendChild(legend);
}

function render() {
  renderFeed();
  renderList();
  renderChart();
  renderCase();
}

function show(caseId) {
  openCase = caseId;
  $("list-view").hidden = true;
  $("case-view").hidden = false;
  if (window.location.hash !== "#" + caseId) window.location.hash = caseId;
  renderCase();
  $("back").focus();
}

function showList() {
  openCase = null;
  $("case-view").hidden = true;
  $("list-view").hidden = false;
  if (window.location.hash) history.replaceState(null, "", "/");
}

function notice(text) {
  const n = $("notice");
  n.textContent = text;
  n.hidden = false;
  window.setTimeout(() => { n.hidden = true; }, 4000);
}

function askAck(caseId) {
  pendingAck = caseId;
  $("confirm").showModal();
  $("confirm-yes").focus();
}

async function acknowledge(caseId) {
  try {
    const res = await api("/api/ack", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ case: caseId }),
    });
    const answer = await res.json();
    if (res.ok) notice(w("ack_done"));
    else notice(w("ack_failed")(answer.error || res.status));
  } catch (e) {
    notice(w("ack_failed")("offline"));
  }
}

// The live board: a server-sent event stream read with fetch (EventSource
// cannot send the Authorization header), reconnecting after a drop.
async function connect() {
  if (!TOKEN) {
    board.feed = "no_token";
    renderFeed();
    return;
  }
  for (;;) {
    try {
      const res = await api("/api/events");
      if (res.status === 403) {
        board.feed = "no_token";
        renderFeed();
        return;
      }
      if (!res.ok || !res.body) throw new Error("HTTP " + res.status);
      const reader = res.body.getReader();
      const decoder = new TextDecoder();
      let buf = "";
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buf += decoder.decode(value, { stream: true });
        let end;
        while ((end = buf.indexOf("\n\n")) >= 0) {
          const block = buf.slice(0, end);
          buf = buf.slice(end + 2);
          let event = "", data = "";
          for (const line of block.split("\n")) {
            if (line.startsWith("event: ")) event = line.slice(7);
            else if (line.startsWith("data: ")) data += line.slice(6);
          }
          if (event === "board" && data) {
            board = JSON.parse(data);
            render();
          }
        }
      }
    } catch (e) {
      // the local casewire went away; try again shortly
    }
    board.feed = "offline";
    renderFeed();
    await new Promise((r) => window.setTimeout(r, 2000));
  }
}

// The publishable chart, fetched with the token and offered as a file.
async function downloadReport(e) {
  e.preventDefault();
  try {
    const res = await api("/api/report.svg");
    if (!res.ok) throw new Error("HTTP " + res.status);
    const url = URL.createObjectURL(await res.blob());
    const a = el("a");
    a.href = url;
    a.download = "casewire-report.svg";
    document.body.appendChild(a);
    a.click();
    a.remove();
    window.setTimeout(() => URL.revokeObjectURL(url), 10000);
  } catch (err) {
    notice(w("ack_failed")("offline"));
  }
}

document.addEventListener("DOMContentLoaded", () => {
  renderStatic();
  $("lang").addEventListener("change", () => {
    lang = $("lang").value === "ko" ? "ko" : "en";
    window.localStorage.setItem("casewire.lang", lang);
    renderStatic();
    render();
  });
  for (const id of ["f-region", "f-urgency", "f-state"]) $(id).addEventListener("change", renderList);
  $("back").addEventListener("click", showList);
  $("print").addEventListener("click", () => window.print());
  $("report-link").addEventListener("click", downloadReport);
  $("confirm-yes").addEventListener("click", () => {
    $("confirm").close();
    if (pendingAck) acknowledge(pendingAck);
    pendingAck = null;
  });
  $("confirm-no").addEventListener("click", () => { $("confirm").close(); pendingAck = null; });
  document.addEventListener("keydown", (e) => { if (e.key === "Escape" && openCase) showList(); });
  window.addEventListener("hashchange", () => {
    const id = window.location.hash.slice(1);
    if (/^[0-9a-f]{32}$/.test(id)) show(id); else showList();
  });
  window.setInterval(render, 30000);  // countdowns move on
  connect();
});
