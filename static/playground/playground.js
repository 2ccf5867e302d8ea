// Seed Playground: the few behaviours htmx does not cover. No inline handlers (CSP).
(function () {
  "use strict";
  const $ = (selector, root) => (root || document).querySelector(selector);
  const $$ = (selector, root) => Array.from((root || document).querySelectorAll(selector));

  const composer = () => $("#composer");
  const prompt = () => $("#id_prompt");
  const streaming = () => $$("#panes .run.is-active").length > 0;

  // --- Send and Stop share one place: while anything streams, Send is Stop -------------------
  function syncSendStop() {
    const send = $("#send-button");
    const stop = $("#stop-button");
    if (!send || !stop) return;
    const busy = streaming();
    const hadFocus = document.activeElement === send || document.activeElement === stop;
    send.hidden = busy;
    stop.hidden = !busy;
    if (hadFocus) (busy ? stop : send).focus();
  }

  document.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey) && event.target.closest("#composer")) {
      event.preventDefault();
      if (!streaming()) composer().requestSubmit();
    } else if (event.key === "Escape" && streaming() && !event.target.closest("dialog") && $("#stop-button")) {
      event.preventDefault();  // (a shared page has no Stop: viewers only watch)
      $("#stop-button").click();
    }
  });

  // --- Parameters: slider and number always show the same value ------------------------------
  function syncSlider(number) {
    const slider = $(`input.slider[data-for="${number.id}"]`);
    if (!slider) return;
    const value = parseFloat(number.value);
    const inRange = !isNaN(value) && value >= parseFloat(slider.min) && value <= parseFloat(slider.max);
    slider.classList.toggle("out-of-range", number.value !== "" && !inRange);
    if (inRange) slider.value = number.value;
  }
  document.addEventListener("input", (event) => {
    const slider = event.target.closest("input.slider");
    if (slider) {
      const number = document.getElementById(slider.dataset.for);
      number.value = slider.value;
      number.dispatchEvent(new Event("input", { bubbles: true }));
    } else if (event.target.matches(".param input")) {
      syncSlider(event.target);
    }
  });
  function syncAllSliders() { $$(".param input[type=number]").forEach(syncSlider); }

  // --- Copy, edit, attachments ---------------------------------------------------------------
  function copy(text, button) {
    const done = () => {
      const label = button.textContent;
      button.textContent = "Copied";
      setTimeout(() => { button.textContent = label; }, 1200);
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done);
      return;
    }
    // Plain http on a LAN address has no clipboard API: fall back to a selected textarea.
    const scratch = document.createElement("textarea");
    scratch.value = text;
    scratch.setAttribute("readonly", "");
    scratch.style.position = "fixed";
    scratch.style.opacity = "0";
    document.body.appendChild(scratch);
    scratch.select();
    document.execCommand("copy");
    scratch.remove();
    done();
  }

  function setEditing(runId) {
    prompt().value = document.getElementById(`run-${runId}-prompt`).textContent;
    $("#edit-of").value = runId;
    $("#editing-note").hidden = false;
    prompt().focus();
  }
  function clearEditing() {
    const editOf = $("#edit-of");
    if (editOf) editOf.value = "";
    const note = $("#editing-note");
    if (note) note.hidden = true;
  }

  function openTab(tab) {
    const list = tab.closest("[role=tablist]");
    $$("[role=tab]", list).forEach((other) => {
      const selected = other === tab;
      other.setAttribute("aria-selected", String(selected));
      other.tabIndex = selected ? 0 : -1;
      document.getElementById(other.getAttribute("aria-controls")).hidden = !selected;
    });
    tab.focus();
  }

  document.addEventListener("click", (event) => {
    const button = event.target.closest("button");
    if (!button) return;
    if (button.dataset.copy) copy(document.getElementById(button.dataset.copy).value, button);
    if (button.dataset.edit) setEditing(button.dataset.edit);
    if ("cancelEdit" in button.dataset) clearEditing();
    if (button.getAttribute("role") === "tab") openTab(button);
    if ("rename" in button.dataset) toggleRename(true);
    if ("renameCancel" in button.dataset) toggleRename(false);
    if ("confirm" in button.dataset) confirmStep(button);
    if ("removeChip" in button.dataset) {
      button.closest(".chip").remove();
      document.body.dispatchEvent(new Event("attachments-changed"));
    }
  });

  document.addEventListener("keydown", (event) => {
    const tab = event.target.closest("[role=tab]");
    if (!tab || !["ArrowLeft", "ArrowRight"].includes(event.key)) return;
    const tabs = $$("[role=tab]", tab.closest("[role=tablist]"));
    const step = event.key === "ArrowRight" ? 1 : -1;
    openTab(tabs[(tabs.indexOf(tab) + step + tabs.length) % tabs.length]);
  });

  function toggleRename(open) {
    const form = $("#rename-form");
    $("#session-heading").hidden = open;
    form.hidden = !open;
    if (open) $("#rename-input").select();
  }
  document.addEventListener("htmx:afterRequest", (event) => {
    if (event.target.id === "rename-form" && event.detail.successful) toggleRename(false);
  });

  // Two-step confirmation for destructive buttons: the first click asks, the second does it.
  function confirmStep(button) {
    const group = button.closest("[data-confirm-group]");
    group.querySelector("[data-confirm-ask]").hidden = true;
    group.querySelector("[data-confirm-do]").hidden = false;
    group.querySelector("[data-confirm-do] button[type=submit]").focus();
  }

  // Attachments: each kind's size limit comes from the server (data-limits); a file over it is
  // refused here, and the server refuses it again (413) from the declared size if it gets there.
  const MB = 1048576;
  function kindOf(file) {
    if (file.type.startsWith("image/")) return "image";
    if (file.type.startsWith("video/")) return "video";
    return "document";
  }
  function attachError(text) {
    $("#attachment-tray").insertAdjacentHTML("beforeend",
      '<div class="chip chip-error" role="alert"><span class="chip-text"></span>' +
      '<button type="button" class="ghost" data-remove-chip aria-label="Dismiss">×</button></div>');
    $("#attachment-tray .chip-error:last-child .chip-text").textContent = text;
  }
  document.addEventListener("htmx:confirm", (event) => {
    const input = event.target;
    if (input.id !== "attach-input" || !input.files.length) return;
    const file = input.files[0];
    const limit = JSON.parse(input.dataset.limits || "{}")[kindOf(file)];
    if (limit && file.size > limit) {
      event.preventDefault();
      attachError(`${file.name} is ${(file.size / MB).toFixed(1)} MB; ` +
        `${kindOf(file)}s can be at most ${+(limit / MB).toFixed(1)} MB.`);
      input.value = "";
    }
  });
  document.addEventListener("htmx:configRequest", (event) => {
    const input = event.detail.elt;
    if (input.id === "attach-input" && input.files && input.files.length) {
      event.detail.headers["X-Upload-Kind"] = kindOf(input.files[0]);
    }
  });
  document.addEventListener("htmx:responseError", (event) => {
    if (event.detail.elt.id !== "attach-input") return;
    const xhr = event.detail.xhr;
    const plain = (xhr.getResponseHeader("Content-Type") || "").startsWith("text/plain");
    attachError(plain ? xhr.responseText : `The upload failed (HTTP ${xhr.status}).`);
  });
  document.addEventListener("htmx:sendError", (event) => {
    if (event.detail.elt.id !== "attach-input") return;
    attachError("The upload did not get an answer: the connection closed. Try again.");
  });
  document.addEventListener("htmx:afterRequest", (event) => {
    if (event.target.id === "attach-input") {
      event.target.value = "";
      document.body.dispatchEvent(new Event("attachments-changed"));
    }
  });

  // The file picker accepts what every pane's model accepts.
  function syncAccept() {
    const input = $("#attach-input");
    if (!input) return;
    const lists = $$(".accept-kinds").map((el) => new Set(el.value.split(",")));
    if (!lists.length) return;
    const shared = [...lists[0]].filter((kind) => lists.every((list) => list.has(kind)));
    input.setAttribute("accept", shared.join(","));
  }

  // Dialogs (View code, Share) open once their content has arrived; focus goes to what is
  // there to do: the chosen tab, a new link to copy, or the first field.
  function showDialog(body) {
    const dialog = body.closest("dialog");
    if (!dialog.open) dialog.showModal();
    const first = $("[role=tab][aria-selected=true], #share-url, #share-name", dialog);
    if (first) first.focus();
    if (first && first.id === "share-url") first.select();
  }
  document.addEventListener("htmx:afterSwap", (event) => {
    if (event.target.matches("#code-dialog-body, [data-dialog-body]")) showDialog(event.target);
    syncAccept();
    syncAllSliders();
    syncSendStop();
  });

  // --- Frames from the socket ----------------------------------------------------------------
  function announce(text) {
    const announcer = $("#announcer");
    if (announcer) announcer.textContent = text;
  }

  // A screen reader hears that a run ended and the start of its answer, never every chunk.
  function announceFinished(message) {
    const id = /<article id="(run-[\w-]+)"/.exec(message);
    const run = id && document.getElementById(id[1]);
    if (!run) return;
    const status = run.querySelector(".status-label").textContent.trim();
    const model = run.querySelector(".turn.assistant .who").firstChild.textContent.trim();
    const answer = run.querySelector(".answer").textContent.trim().slice(0, 300);
    announce(`${model}: ${status}. ${answer}`);
  }

  document.addEventListener("htmx:wsAfterMessage", (event) => {
    const message = typeof event.detail.message === "string" ? event.detail.message : "";
    if (message.includes('id="composer-reset"')) {
      // The server accepted the send: clear the prompt (only then, so a refused one is kept).
      prompt().value = "";
      clearEditing();
      prompt().focus();
      document.body.dispatchEvent(new Event("attachments-changed"));
    }
    if (message.includes("data-run-final")) {
      announceFinished(message);
      document.body.dispatchEvent(new Event("run-finished"));
    }
    syncSendStop();
    if (document.body.dataset.follow !== "off") window.scrollTo(0, document.body.scrollHeight);
  });
  // Stop following the stream when the user scrolls up; resume at the bottom.
  window.addEventListener("scroll", () => {
    const atBottom = window.innerHeight + window.scrollY >= document.body.scrollHeight - 80;
    document.body.dataset.follow = atBottom ? "on" : "off";
  }, { passive: true });

  // Connection state, so a lost socket is visible (htmx reconnects by itself).
  function connection(state) { document.body.dataset.socket = state; }
  // A page drawn while runs streamed may open its socket after some ended: tell the server
  // which runs it shows as streaming, so it sends what those became.
  document.addEventListener("htmx:wsOpen", (event) => {
    connection("open");
    const runs = $$(".run.is-active").map((run) => run.id.replace(/^run-/, ""));
    if (runs.length) event.detail.socketWrapper.send(JSON.stringify({ action: "resync", runs }));
  });
  // 4404: what the socket followed is gone (a revoked or expired share link, a deleted
  // session); htmx does not reconnect, and the page says so.
  document.addEventListener("htmx:wsClose", (event) => {
    const gone = event.detail.event && event.detail.event.code === 4404;
    connection(gone ? "gone" : "closed");
    const notice = $("#share-gone");
    if (gone && notice) notice.hidden = false;
  });

  // Settings are saved half a second after typing stops; a reload or a closed tab in that half
  // second still saves them on the way out.
  const unsaved = new Set();
  document.addEventListener("input", (event) => {
    const form = event.target.closest(".pane-settings-form");
    if (!form) return;
    unsaved.add(form);
    const seq = form.querySelector("[data-seq]");  // lets the server drop a stale save
    if (seq) seq.value = String(Date.now());
  });
  document.addEventListener("htmx:beforeRequest", (event) => {
    unsaved.delete(event.target.closest(".pane-settings-form"));
  });
  // The way-out save can land after the next page has loaded, so the values also wait in
  // sessionStorage and the next page puts back any that are newer than what it shows.
  window.addEventListener("pagehide", () => {
    const token = JSON.parse($("#main").getAttribute("hx-headers") || "{}")["X-CSRFToken"];
    unsaved.forEach((form) => {
      const body = new FormData(form);
      sessionStorage.setItem(`unsaved:${form.id}`, JSON.stringify([...body.entries()]));
      fetch(form.getAttribute("hx-post"), {
        method: "POST", body, keepalive: true,
        headers: { "X-CSRFToken": token }, credentials: "same-origin",
      });
    });
    unsaved.clear();
  });
  function restoreUnsaved() {
    $$(".pane-settings-form").forEach((form) => {
      const key = `unsaved:${form.id}`;
      const entries = JSON.parse(sessionStorage.getItem(key) || "null");
      sessionStorage.removeItem(key);
      if (!entries) return;
      const kept = new Map(entries);
      const seq = form.querySelector("[data-seq]");
      if (!seq || Number(kept.get(seq.name)) <= Number(seq.value)) return;
      $$("input[name], select[name], textarea[name]", form).forEach((field) => {
        if (field.type === "checkbox") field.checked = kept.has(field.name);
        else if (kept.has(field.name)) field.value = kept.get(field.name);
      });
      form.dispatchEvent(new Event("input", { bubbles: true }));
    });
  }

  // Settings start open where there is room beside the thread (one pane on a wide screen).
  function openSettingsWhereRoomy() {
    if (!window.matchMedia("(min-width: 1000px)").matches) return;
    if (!$("#workspace.single")) return;
    $$("details[data-settings]").forEach((details) => { details.open = true; });
  }

  document.addEventListener("DOMContentLoaded", () => {
    restoreUnsaved();
    openSettingsWhereRoomy();
    syncAccept();
    syncAllSliders();
    syncSendStop();
  });
})();
