// Headless Chromium at the duty desk's console, for Zhiban's end-to-end tests: Playwright (playwright-core,
// no browser download) driving the machine's own Chromium, one JSON command per line on stdin, one JSON
// answer per line on stdout. A failed command answers {"error": "..."} and the driver goes on.
//
//   node console_driver.mjs BASE_URL CHROMIUM_PATH [WIDTH HEIGHT]
//
// Commands (each {"cmd": NAME, ...}):
//   version {}                         → {version}: the browser is up
//   goto {path}                        → {url, path, status}: after redirects, loaded and drawn
//   fill {selector, value}             → {ok}
//   select {selector, value}           → {ok}: chooses an option of a <select>
//   check {selector}                   → {ok}: ticks a checkbox
//   click {selector}                   → {url, path}: waits for a page it opens to load
//   focus {selector}                   → {ok}
//   type {text}                        → {ok}: typed on the keyboard into the focused element
//   press {key}                        → {url, path}: one key ("Tab", "Shift+Tab", "Enter"), as click
//   focused {}                         → {tag, id, name, type, text, value}: the element with keyboard focus
//   text {selector}                    → {text}: innerText of the first match
//   wait_text {selector, text, timeout_ms} → {text}: waits, without reloading, until innerText contains text
//   attribute {selector, name}         → {value}: null when the attribute is absent
//   value {selector}                   → {value}: a form field's current value
//   count {selector}                   → {count}
//   box {selector}                     → {x, y, width, height}: where the first match is drawn
//   url {}                             → {url, path}
//   viewport {width, height}           → {ok}
//   page_width {}                      → {scroll_width, inner_width}: wider scroll than window = sideways scrolling
//   screenshot {path, full_page}       → {path}: a PNG of the viewport (or the whole page)
//   console_errors {}                  → {errors}: page errors and console.error messages so far
//   navigations {}                     → {count}: navigations of the main frame so far (framenavigated): a
//                                        reload counts, a script's fetch (the console's live updates) does not
//   open {path}                        → {download} when the address downloads a file (its suggested name),
//                                        else {url, path, status, content_type, title} of what it shows
//   download {selector}                → {download, path}: clicks a link that downloads; the file's suggested
//                                        name, and the path the page is still on
//   property {selector, name}          → {value}: a property of the first match (an image's naturalWidth)
//   computed_style {selector, property} → {value}: the first match's computed style
//   local_storage {key}                → {value}: the page's localStorage item, null when absent
//   csp_violations {}                  → {violations}: every `securitypolicyviolation` in any page so far
//   inline_script_runs {}              → {ran}: whether an inline <script> added to the page runs (a policy
//                                        in force refuses it, and that is a violation)
//   quit {}                            → closes the browser and exits
import { createInterface } from "node:readline"
import { chromium } from "playwright-core"

const [baseUrl, executablePath, width = "1366", height = "768"] = process.argv.slice(2)
const reply = (value) => process.stdout.write(JSON.stringify(value) + "\n")

// Launched once; a browser that cannot start is each command's error, so the test sees why.
let browser, page
const errors = []
let navigations = 0
const violations = []
const ready = (async () => {
  browser = await chromium.launch({ executablePath, headless: true, args: ["--no-sandbox"] })
  const context = await browser.newContext({
    baseURL: baseUrl,
    viewport: { width: Number(width), height: Number(height) },
    deviceScaleFactor: 1,
    locale: "zh-CN",
    timezoneId: "Asia/Shanghai",
  })
  // Each page reports the Content Security Policy violations its document raises, whatever their policy.
  await context.exposeBinding("__zhibanCspViolation", (_source, violation) => violations.push(violation))
  await context.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (event) =>
      window.__zhibanCspViolation?.(
        `${event.documentURI}: ${event.effectiveDirective} refused ${event.blockedURI || "inline"} (${event.sample})`,
      ),
    )
  })
  page = await context.newPage()
  // A missing element fails a command in seconds, not after Playwright's default 30 s.
  page.setDefaultTimeout(5000)
  page.on("pageerror", (error) => errors.push(`page error: ${error.message}`))
  page.on("console", (message) => {
    if (message.type() === "error") errors.push(`console.error: ${message.text()} (${message.location().url ?? ""})`)
  })
  page.on("framenavigated", (frame) => {
    if (frame === page.mainFrame()) navigations += 1
  })
})()
ready.catch(() => {}) // reported by the first command instead

const where = () => ({ url: page.url(), path: new URL(page.url()).pathname })
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

// Playwright's click, and press on an element, wait until a navigation they start has begun (a bare
// keyboard.press does not: Enter in a form would return before the form is sent); this waits for its page too.
async function settled() {
  await page.waitForLoadState("load")
  // Autofocus is applied when the page is next drawn, which may come after load: wait for one frame.
  await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => resolve())))
  return where()
}

const commands = {
  async version() {
    return { version: browser.version() }
  },
  async goto({ path }) {
    const response = await page.goto(path, { waitUntil: "load" })
    return { ...(await settled()), status: response?.status() ?? null }
  },
  async fill({ selector, value }) {
    await page.locator(selector).first().fill(value)
    return { ok: true }
  },
  async select({ selector, value }) {
    await page.locator(selector).first().selectOption(value)
    return { ok: true }
  },
  async check({ selector }) {
    await page.locator(selector).first().check()
    return { ok: true }
  },
  async click({ selector }) {
    await page.locator(selector).first().click()
    return settled()
  },
  async focus({ selector }) {
    await page.locator(selector).first().focus()
    return { ok: true }
  },
  async type({ text }) {
    await page.keyboard.type(text)
    return { ok: true }
  },
  async press({ key }) {
    // On the focused element, so that a form it submits is waited for; with nothing focused, on the page.
    const focused = page.locator(":focus")
    if ((await focused.count()) === 1) await focused.press(key)
    else await page.keyboard.press(key)
    return settled()
  },
  async focused() {
    return page.evaluate(() => {
      const element = document.activeElement
      if (!element || element === document.body) return { tag: "body", id: "", name: "", type: "", text: "", value: "" }
      return {
        tag: element.tagName.toLowerCase(),
        id: element.id,
        name: element.getAttribute("name") ?? "",
        type: element.getAttribute("type") ?? "",
        text: (element.innerText ?? "").trim(),
        value: "value" in element && element.type !== "password" ? String(element.value) : "",
      }
    })
  },
  async text({ selector }) {
    return { text: await page.locator(selector).first().innerText() }
  },
  async wait_text({ selector, text, timeout_ms }) {
    const deadline = Date.now() + (timeout_ms ?? 5000)
    let seen = null
    for (;;) {
      // Read what is on the page now; never reload: a live update must arrive by itself.
      seen = await page
        .locator(selector)
        .first()
        .innerText({ timeout: 200 })
        .catch(() => seen)
      if (seen !== null && seen.includes(text)) return { text: seen }
      if (Date.now() > deadline) return { error: `${selector} did not show ${JSON.stringify(text)}`, text: seen }
      await sleep(50)
    }
  },
  async attribute({ selector, name }) {
    return { value: await page.locator(selector).first().getAttribute(name) }
  },
  async value({ selector }) {
    return { value: await page.locator(selector).first().inputValue() }
  },
  async count({ selector }) {
    return { count: await page.locator(selector).count() }
  },
  async box({ selector }) {
    const box = await page.locator(selector).first().boundingBox()
    if (!box) throw new Error(`${selector} is not drawn`)
    return box
  },
  async url() {
    return where()
  },
  async viewport({ width, height }) {
    await page.setViewportSize({ width, height })
    return { ok: true }
  },
  async page_width() {
    return page.evaluate(() => ({
      scroll_width: document.scrollingElement.scrollWidth,
      inner_width: window.innerWidth,
    }))
  },
  async screenshot({ path, full_page }) {
    await page.screenshot({ path, fullPage: Boolean(full_page), animations: "disabled", caret: "hide" })
    return { path }
  },
  async console_errors() {
    return { errors }
  },
  async navigations() {
    return { count: navigations }
  },
  async open({ path }) {
    const download = page.waitForEvent("download", { timeout: 5000 }).catch(() => null)
    try {
      const response = await page.goto(path, { waitUntil: "load" })
      // No script runs in a sandboxed document (an attachment's): its title is read if it can be, never waited on.
      const title = await Promise.race([page.title(), sleep(1000).then(() => null)])
      return { ...where(), status: response?.status() ?? null, content_type: response?.headers()["content-type"], title }
    } catch (error) {
      // Chromium aborts the navigation to an address that downloads.
      const file = await download
      if (!file) throw error
      return { download: file.suggestedFilename() }
    }
  },
  async download({ selector }) {
    const [file] = await Promise.all([page.waitForEvent("download"), page.locator(selector).first().click()])
    return { download: file.suggestedFilename(), ...where() }
  },
  async property({ selector, name }) {
    return { value: await page.locator(selector).first().evaluate((element, name) => element[name], name) }
  },
  async computed_style({ selector, property }) {
    const value = await page
      .locator(selector)
      .first()
      .evaluate((element, property) => getComputedStyle(element).getPropertyValue(property), property)
    return { value }
  },
  async local_storage({ key }) {
    return { value: await page.evaluate((key) => localStorage.getItem(key), key) }
  },
  async csp_violations() {
    return { violations }
  },
  async inline_script_runs() {
    const ran = await page.evaluate(() => {
      window.__zhibanInlineRan = false
      const script = document.createElement("script")
      script.textContent = "window.__zhibanInlineRan = true"
      document.head.append(script)
      return window.__zhibanInlineRan
    })
    return { ran }
  },
}

const lines = createInterface({ input: process.stdin })
for await (const line of lines) {
  if (!line.trim()) continue
  let command
  try {
    command = JSON.parse(line)
  } catch (error) {
    reply({ error: `not a JSON command: ${error.message}` })
    continue
  }
  if (command.cmd === "quit") break
  try {
    const run = commands[command.cmd]
    if (!run) throw new Error(`unknown command ${command.cmd}`)
    await ready
    reply(await run(command))
  } catch (error) {
    // Playwright colours its call logs; a test prints them plainly.
    reply({ error: String(error?.message ?? error).replace(/\u001b\[\d+m/g, "") })
  }
}
// Also on end of input: the test process went away, so the browser goes too.
await browser?.close().catch(() => {})
process.exit(0)
