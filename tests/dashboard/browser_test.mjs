// The dashboard in Debian's chromium (headless), against a real daemon, real
// casewire clients and two real dashboards (organisations A and B), all set
// up by tests/e2e/dashboard_test.cc, which passes them in the environment:
//   DASH_A, DASH_B   the URLs the two dashboards printed (with their tokens)
//   CASEWIRE         the client binary; CONTACT_HOME the contact's home
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

// A raw request with the page's cookie but another site's Origin.
function foreignPost(url, cookie) {
  return new Promise((resolve) => {
    const u = new URL(url);
    const req = http.request(
      { host: u.hostname, port: u.port, path: "/api/ack", method: "POST",
        headers: { Cookie: cookie, Origin: "http://evil.example", "Content-Type": "application/json" } },
      (res) => { res.resume(); resolve(res.statusCode); });
    req.on("error", () => resolve(0));
    req.end(JSON.stringify({ case: "a".repeat(32) }));
  });
}

const browser = await puppeteer.launch({
  executablePath: "/usr/bin/chromium",
  headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--lang=en-GB"],
});
try {
  const A = await open(browser, env.DASH_A);
  const B = await open(browser, env.DASH_B, ["ko-KR", "ko"]);
  check(A.res.status() === 200 && !A.page.url().includes("token="),
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

  // The case view: timeline with verified signatures; the print view.
  await A.page.click("#cases-body tr");
  await A.page.waitForSelector("#case-view:not([hidden])");
  const timeline = await A.page.$eval("#timeline", (e) => e.textContent);
  check(timeline.includes("new case") && timeline.includes("signature verified"),
        "the case view's timeline says each event's signature verified");
  if (env.SCREENSHOT_DIR) await A.page.screenshot({ path: `${env.SCREENSHOT_DIR}/dashboard-case.png` });
  await A.page.emulateMediaType("print");
  const printed = await A.page.$eval("#list-view", (e) => getComputedStyle(e).display);
  check(printed === "none", "the print view shows the case alone");
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

  // Without the token: nothing. With another site's Origin: refused.
  const stranger = await browser.createBrowserContext();
  const sp = await stranger.newPage();
  const bare = await sp.goto(new URL("/", env.DASH_A).href);
  check(bare.status() === 403 && !(await sp.content()).includes("cases-body"),
        "the page without the token gets nothing");
  const cookies = await A.page.cookies();
  const cookie = cookies.map((c) => `${c.name}=${c.value}`).join("; ");
  check((await foreignPost(env.DASH_A, cookie)) === 403, "a request with a foreign Origin is refused");

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
