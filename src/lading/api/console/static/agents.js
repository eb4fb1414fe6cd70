// Agents: an answer still generating streams in (Server-Sent Events from the console's own route):
// new parts are appended as the agent writes them, action calls shown as they happen, and the
// status badge follows the message until it is final. Without JavaScript the page still shows every
// message as stored (reload to see more).
(function () {
  "use strict";

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined && text !== null) { node.textContent = text; }
    return node;
  }

  function pretty(value) {
    try { return JSON.stringify(value, null, 2); } catch (e) { return String(value); }
  }

  function details(className, label, slug, body) {
    var box = el("details", "part " + className);
    var summary = el("summary", null, label + " ");
    if (slug !== null) { summary.appendChild(el("code", null, slug)); }
    box.appendChild(summary);
    box.appendChild(el("pre", null, body));
    return box;
  }

  // One part as the server's `_parts.html` renders it.
  function render(part) {
    var type = part && part.type;
    if (type === "text") { return el("div", "part part-text", part.text); }
    if (type === "reasoning") {
      var r = el("details", "part part-reasoning");
      r.appendChild(el("summary", null, "Reasoning"));
      r.appendChild(el("div", "part-text", part.text));
      return r;
    }
    if (type === "action-call") { return details("part-action", "Called", part.slug, pretty(part.input)); }
    if (type === "action-result") {
      return details("part-action", "Result of", part.slug, pretty(part.output !== undefined ? part.output : part.error));
    }
    if (type === "file") { return el("div", "part part-file", "File: " + (part.name || part.fileUuid)); }
    return details("part-data", String(type), null, pretty(part));
  }

  function setStatus(item, status) {
    item.setAttribute("data-status", status);
    var state = item.querySelector(".state");
    if (!state) { return; }
    state.textContent = "";
    state.appendChild(el("span", "status status-" + status, status));
  }

  function follow(item) {
    var box = item.querySelector(".parts");
    var source = new EventSource(item.getAttribute("data-stream"));
    source.addEventListener("parts", function (event) {
      var data = JSON.parse(event.data);
      // Parts already shown (the page's own, or an earlier connection's) are not added twice.
      var shown = box.children.length;
      data.parts.forEach(function (part, i) {
        if (data.from + i >= shown) { box.appendChild(render(part)); }
      });
    });
    source.addEventListener("reset", function (event) {
      var data = JSON.parse(event.data);
      box.textContent = "";
      data.parts.forEach(function (part) { box.appendChild(render(part)); });
    });
    source.addEventListener("status", function (event) {
      setStatus(item, JSON.parse(event.data).status);
    });
    source.addEventListener("done", function (event) {
      var data = JSON.parse(event.data);
      source.close();
      setStatus(item, data.status);
      item.removeAttribute("data-stream");
      if (data.errorMessage) { item.appendChild(el("p", "error", data.errorMessage)); }
    });
  }

  document.querySelectorAll(".message[data-stream]").forEach(follow);
})();
