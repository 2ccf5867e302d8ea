// Seed Playground: the few behaviours htmx does not cover. No inline handlers (CSP).
(function () {
  "use strict";
  const $ = (selector, root) => (root || document).querySelector(selector);

  function composer() { return $("#composer"); }
  function prompt() { return $("#id_prompt"); }

  // Ctrl/Cmd+Enter sends from anywhere in the form.
  document.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey) && event.target.closest("#composer")) {
      event.preventDefault();
      composer().requestSubmit();
    }
  });

  // Sliders mirror their number input (the number input is what gets sent).
  document.addEventListener("input", (event) => {
    const slider = event.target.closest("input.slider");
    if (slider) {
      const number = document.getElementById(slider.dataset.for);
      number.value = slider.value;
      number.dispatchEvent(new Event("change", { bubbles: true }));
    } else if (event.target.matches(".param input[type=number]")) {
      const twin = document.querySelector(`input.slider[data-for="${event.target.id}"]`);
      if (twin) twin.value = event.target.value;
    }
  });

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

  function setEditing(runId, parent) {
    prompt().value = document.getElementById(`run-${runId}-prompt`).textContent;
    $("#parent-input").value = parent;
    $("#editing-note").hidden = false;
    prompt().focus();
  }

  function clearEditing() {
    $("#parent-input").value = "";
    $("#editing-note").hidden = true;
  }

  document.addEventListener("click", (event) => {
    const button = event.target.closest("button");
    if (!button) return;
    if (button.dataset.copy) copy(document.getElementById(button.dataset.copy).value, button);
    if (button.dataset.copyText) copy(document.getElementById(button.dataset.copyText).textContent, button);
    if (button.dataset.edit) setEditing(button.dataset.edit, button.dataset.parent);
    if ("cancelEdit" in button.dataset) clearEditing();
    if ("removeChip" in button.dataset) {
      button.closest(".chip").remove();
      document.body.dispatchEvent(new Event("attachments-changed"));
    }
  });

  // Attachments: check type and size before uploading; reset the picker after each upload.
  const LIMITS = { image: 10, video: 50, document: 20 };
  function kindOf(file) {
    if (file.type.startsWith("image/")) return "image";
    if (file.type.startsWith("video/")) return "video";
    return "document";
  }
  document.addEventListener("htmx:confirm", (event) => {
    const input = event.target;
    if (input.id !== "attach-input" || !input.files.length) return;
    const file = input.files[0];
    const limit = LIMITS[kindOf(file)];
    if (file.size > limit * 1048576) {
      event.preventDefault();
      $("#attachment-tray").insertAdjacentHTML("beforeend",
        '<div class="chip chip-error" role="alert"><span class="chip-text"></span>' +
        '<button type="button" class="ghost" data-remove-chip aria-label="Dismiss">×</button></div>');
      $("#attachment-tray .chip-error:last-child .chip-text").textContent =
        `${file.name} is ${(file.size / 1048576).toFixed(1)} MB; ${kindOf(file)}s can be at most ${limit} MB.`;
      input.value = "";
    }
  });
  document.addEventListener("htmx:afterRequest", (event) => {
    if (event.target.id === "attach-input") {
      event.target.value = "";
      document.body.dispatchEvent(new Event("attachments-changed"));
    }
  });
  // Keep the file picker's accepted kinds in step with the chosen model.
  document.addEventListener("htmx:afterSwap", () => {
    const accept = $("#accept-kinds");
    if (accept) $("#attach-input").setAttribute("accept", accept.value);
  });

  // The server accepted a run: clear the prompt (only then, so a rejected prompt is never lost).
  document.addEventListener("htmx:wsAfterMessage", (event) => {
    if (typeof event.detail.message === "string" && event.detail.message.includes('id="composer-reset"')) {
      prompt().value = "";
      clearEditing();
      prompt().focus();
      document.body.dispatchEvent(new Event("attachments-changed"));
    }
    const thread = $("#thread");
    if (thread.dataset.follow !== "off") window.scrollTo(0, document.body.scrollHeight);
  });
  // Stop following the stream when the user scrolls up; resume at the bottom.
  window.addEventListener("scroll", () => {
    const atBottom = window.innerHeight + window.scrollY >= document.body.scrollHeight - 80;
    const thread = $("#thread");
    if (thread) thread.dataset.follow = atBottom ? "on" : "off";
  }, { passive: true });

  // Connection state, so a lost socket is visible (htmx reconnects by itself).
  function connection(state) { document.body.dataset.socket = state; }
  document.addEventListener("htmx:wsOpen", () => connection("open"));
  document.addEventListener("htmx:wsClose", () => connection("closed"));
})();
