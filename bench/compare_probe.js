// Installed with add_init_script before the page's own scripts (bench/compare_panes.py): what a
// compare round does to the page, measured inside it. Read back with page.evaluate(() => __probe).
(() => {
  "use strict";
  const probe = (window.__probe = { clicks: [], runs: {}, longTasks: [] });
  const now = () => performance.now();
  const run = (id) =>
    (probe.runs[id] ||= { updates: 0, frames: 0, first: null, last: null, pane: null, streamed: null });

  // Long tasks (> 50 ms) of the page's main thread; buffered, so none before the observer is lost.
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      probe.longTasks.push({ start: entry.startTime, duration: entry.duration });
    }
  }).observe({ type: "longtask", buffered: true });

  // The send click, in the capture phase: before htmx builds and sends the message.
  document.addEventListener("click", (event) => {
    if (event.target.closest && event.target.closest("#send-button")) {
      probe.clicks.push(performance.mark("compare-send").startTime);  // the mark shows in traces
    }
  }, true);

  // Websocket frames as htmx hands them over, per run whose answer they extend; the accepted
  // frame (the new runs, drawn in their panes) as it arrives and once it is swapped in.
  const isAccepted = (event) =>
    typeof event.detail.message === "string" && event.detail.message.includes('id="composer-reset"');
  document.addEventListener("htmx:wsBeforeMessage", (event) => {
    if (isAccepted(event)) probe.accepted = { arrived: now(), swapped: null };
  });
  document.addEventListener("htmx:wsAfterMessage", (event) => {
    const message = typeof event.detail.message === "string" ? event.detail.message : "";
    if (isAccepted(event) && probe.accepted) probe.accepted.swapped = now();
    for (const match of message.matchAll(/id="run-([\w-]+)-answer" hx-swap-oob="beforeend"/g)) {
      run(match[1]).frames += 1;
    }
  });

  // One message is one task, and observers run at its end: one callback per frame. An answer
  // that got text is one update of that run's pane. The streamed text is read from the
  // element as the final frame takes it out of the page.
  const idOf = (answer) => answer.id.slice("run-".length, -"-answer".length);
  function keepStreamed(node) {
    if (node.nodeType !== Node.ELEMENT_NODE) return;
    const answers = node.matches(".answer.stream") ? [node] : node.querySelectorAll(".answer.stream");
    for (const answer of answers) run(idOf(answer)).streamed = answer.textContent;
  }
  function noteUpdate(answer, at) {
    if (!answer.textContent) return;
    const entry = run(idOf(answer));
    entry.updates += 1;
    entry.first ??= at;
    entry.last = at;
    entry.pane ??= answer.closest("section.pane")?.dataset.pane ?? null;
  }
  const observer = new MutationObserver((records) => {
    const at = now();
    const touched = new Set();
    for (const record of records) {
      const element = record.target.nodeType === Node.ELEMENT_NODE ? record.target : record.target.parentElement;
      const answer = element && element.closest(".answer.stream");
      if (answer && (record.addedNodes.length || record.type === "characterData")) touched.add(answer);
      record.removedNodes.forEach(keepStreamed);
    }
    touched.forEach((answer) => noteUpdate(answer, at));
  });
  const start = () => observer.observe(document.body, { childList: true, subtree: true, characterData: true });
  if (document.body) start();
  else document.addEventListener("DOMContentLoaded", start);

  probe.panes = () => Array.from(document.querySelectorAll("section.pane"), (pane) => pane.dataset.pane);
  probe.reset = () => { probe.clicks = []; probe.runs = {}; probe.accepted = null; };
})();
