// The XSS suite's detector (tests/browser/xss/hostile.py), installed with
// page.add_init_script before any page script, in every frame. It records whatever a hostile
// payload would do if it ever ran (the dialog functions nearly every payload calls, CSP
// violations) and offers window.__xss.scan(), which looks for markup a payload could have
// planted without running yet: handlers, script URLs, frames, scripts, and any element inside
// the boxes that show untrusted text. Beacons (a request to any other origin, or to an odd path
// of ours) are caught outside the page, by the test's network route.
(() => {
  if (window.__xss) return;
  const hits = [];
  // A payload running in a frame reports to the page that holds it.
  let sink = hits;
  try {
    if (window.top !== window && window.top.__xss) sink = window.top.__xss.hits;
  } catch (error) { /* a cross-origin frame: Playwright's frame and dialog events catch it */ }
  const record = (kind, detail) => sink.push(`${kind}: ${String(detail).slice(0, 200)}`);

  for (const name of ["alert", "confirm", "prompt", "print"]) {
    const hook = function (...args) {
      record(name, args.join(" "));
      return name === "prompt" ? null : name === "confirm" ? false : undefined;
    };
    Object.defineProperty(window, name, { value: hook, writable: false, configurable: false });
  }
  document.addEventListener("securitypolicyviolation", (event) => {
    record("csp", `${event.violatedDirective} ${event.blockedURI} ${event.sample}`);
  });

  // Attributes that take a URL, and the schemes that run code (or, in text boxes, carry it).
  const URL_ATTRIBUTES = new Set([
    "href", "src", "action", "formaction", "data", "poster", "background", "lowsrc", "dynsrc",
    "xlink:href", "srcset", "ping", "codebase", "cite", "longdesc", "usemap", "manifest", "icon",
  ]);
  const RUNS_CODE = /^(javascript|vbscript|livescript|mocha):/i;
  const NEVER = new Set(["iframe", "frame", "frameset", "object", "embed", "applet", "base"]);

  function describe(element, what) {
    return `<${element.localName}> ${what} in ${element.parentElement ? element.parentElement.className || element.parentElement.localName : "document"}`;
  }

  function plantedAnywhere(found) {
    for (const element of document.querySelectorAll("*")) {
      for (const attribute of element.attributes) {
        const name = attribute.name.toLowerCase();
        const value = attribute.value.replace(/[\u0000-\u0020]+/g, "");
        if (name.startsWith("on")) found.push(describe(element, `handler ${name}=${attribute.value}`));
        if (name === "srcdoc" || name === "http-equiv") found.push(describe(element, `${name}=${attribute.value}`));
        if (URL_ATTRIBUTES.has(name) && RUNS_CODE.test(value)) found.push(describe(element, `${name}=${attribute.value}`));
      }
      if (NEVER.has(element.localName)) found.push(describe(element, "element"));
      // Our own scripts are the ones in <head> loaded from /static/ (CSP nonce or not).
      if (element.localName === "script" && !(element.parentElement === document.head && new URL(element.src || "x:", location.href).pathname.startsWith("/static/"))) {
        found.push(describe(element, `script ${element.src || element.textContent.slice(0, 80)}`));
      }
    }
  }

  // boxes: {selector: [tags allowed inside]}. Text boxes allow none; the Markdown answer allows
  // the sanitiser's tags, and its links may only lead to http(s) or mailto (relative ones too).
  // No element in a box may carry an htmx attribute (a request or swap planted by a payload).
  const SAFE_LINK = new Set(["http:", "https:", "mailto:"]);
  function protocolOf(href) {
    try {
      return new URL(href, location.href).protocol;
    } catch (error) {
      return "http:";  // no URL at all: a click on it goes nowhere
    }
  }
  function plantedInBoxes(boxes, found) {
    for (const [selector, allowed] of Object.entries(boxes)) {
      for (const box of document.querySelectorAll(selector)) {
        for (const element of box.querySelectorAll("*")) {
          if (!allowed.includes(element.localName)) found.push(describe(element, `not allowed in ${selector}`));
          for (const attribute of element.attributes) {
            if (/^(data-)?(hx|ws)-/i.test(attribute.name)) found.push(describe(element, `htmx attribute ${attribute.name} in ${selector}`));
          }
          const href = element.getAttribute("href");
          if (href !== null && !SAFE_LINK.has(protocolOf(href))) {
            found.push(describe(element, `href=${href} in ${selector}`));
          }
        }
      }
    }
  }

  function scan(boxes) {
    const found = [];
    plantedAnywhere(found);
    plantedInBoxes(boxes || {}, found);
    return found;
  }

  Object.defineProperty(window, "__xss", { value: Object.freeze({ hits, scan }), writable: false });
})();
