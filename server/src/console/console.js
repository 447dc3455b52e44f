// The console's live pages, a small script served by the server (no framework, no build step).
//
// The server says over Server-Sent Events (/live) when something may have changed; the page then fetches
// itself again and swaps in each live part (an element with `data-live` and an id). Forms are never inside
// a live part, so nothing being typed is lost. Reporting clocks (<time data-due>) keep counting between
// updates, from the server's clock rather than this computer's.
"use strict";
(() => {
  const status = document.getElementById("live-status");
  let offset = Number(document.body.dataset.serverNow || Date.now()) - Date.now();
  let waiting = null;

  const say = (text, state) => {
    if (!status) return;
    status.textContent = text;
    status.dataset.state = state;
  };

  const minutes = (m) =>
    m < 60 ? `${m} 分钟` : m < 1440 ? `${Math.floor(m / 60)} 小时 ${m % 60} 分` : `${Math.floor(m / 1440)} 天 ${Math.floor((m % 1440) / 60)} 小时`;

  function tick() {
    const now = Date.now() + offset;
    for (const clock of document.querySelectorAll("time[data-due]")) {
      const left = Math.floor((Number(clock.dataset.due) - now) / 60000);
      const text = left >= 0 ? `剩余 ${minutes(left)}` : `已超时 ${minutes(-left)}`;
      if (clock.textContent !== text) clock.textContent = text;
      clock.classList.toggle("late", left < 0);
    }
  }

  // The element focused before a swap, found again in the new part by id or link target.
  function refocus(active) {
    if (!active || document.activeElement !== document.body) return;
    const again = (active.id && document.getElementById(active.id)) ||
      (active.getAttribute("href") && document.querySelector(`[data-live] a[href="${active.getAttribute("href")}"]`));
    if (again) again.focus();
  }

  async function refresh() {
    waiting = null;
    try {
      const response = await fetch(location.href, { credentials: "same-origin", headers: { "X-Zhiban-Live": "1" } });
      if (!response.ok || response.redirected) {
        say("登录已失效，请重新登录", "off");
        return;
      }
      const fresh = new DOMParser().parseFromString(await response.text(), "text/html");
      offset = Number(fresh.body.dataset.serverNow || Date.now()) - Date.now();
      const active = document.activeElement;
      for (const part of document.querySelectorAll("[data-live][id]")) {
        const replacement = fresh.getElementById(part.id);
        if (replacement && replacement.innerHTML !== part.innerHTML) part.replaceWith(document.adoptNode(replacement));
      }
      refocus(active);
      tick();
      document.body.dataset.refreshed = String(Number(document.body.dataset.refreshed || 0) + 1);
    } catch (e) {
      say("更新失败，稍后自动重试", "off");
    }
  }

  if (document.querySelector("[data-live]") && window.EventSource) {
    const source = new EventSource("/live");
    let lost = false;
    source.addEventListener("open", () => {
      say("实时更新中", "on");
      // Changes made while the connection was down were not announced: read the page again.
      if (lost) refresh();
      lost = false;
    });
    source.addEventListener("error", () => {
      lost = true;
      say("连接中断，正在重连…", "off");
    });
    source.addEventListener("changed", (event) => {
      try {
        offset = Number(JSON.parse(event.data).now) - Date.now();
      } catch (e) {
        // An event without the server's time: keep the offset.
      }
      if (!waiting) waiting = setTimeout(refresh, 100);
    });
  }
  tick();
  setInterval(tick, 10000);
})();
