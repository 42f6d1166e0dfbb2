/* The learner web app's shared script: uploads with a progress bar, live status over ws/events/, confirm
   dialogs. Everything a learner or a document wrote is inserted as text (textContent), never as HTML. */
(function () {
  "use strict";

  function showError(message) {
    var box = document.getElementById("page-error");
    if (!box) { return; }
    box.textContent = message;
    box.hidden = false;
    box.focus && box.setAttribute("tabindex", "-1");
    box.scrollIntoView({ block: "center" });
  }
  window.platformShowError = showError;

  function errorOf(xhr) {
    try {
      var body = JSON.parse(xhr.responseText);
      if (body.error && typeof body.error === "string") { return body.error; }
      if (body.error && body.error.message) { return body.error.message; }
      if (body.detail) { return body.detail; }
    } catch (ignored) { /* not JSON: fall through to the status */ }
    if (xhr.status === 413) { return "The file is too large."; }
    if (xhr.status === 403) { return "Your session has expired: reload the page and log in again."; }
    if (xhr.status === 0) { return "The upload did not reach the server: check your connection and try again."; }
    return "The upload failed (error " + xhr.status + "). Try again.";
  }

  function wireUpload(form) {
    var box = form.querySelector(".upload-progress");
    var bar = form.querySelector("progress");
    var label = form.querySelector(".upload-percent");
    var button = form.querySelector("button[type=submit]");
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var xhr = new XMLHttpRequest();
      xhr.open("POST", form.action);
      xhr.setRequestHeader("X-Requested-With", "XMLHttpRequest");
      xhr.setRequestHeader("X-CSRFToken", form.querySelector("[name=csrfmiddlewaretoken]").value);
      xhr.upload.addEventListener("progress", function (e) {
        if (!e.lengthComputable) { return; }
        var pct = Math.round((100 * e.loaded) / e.total);
        bar.value = pct;
        label.textContent = pct + " %";
      });
      xhr.addEventListener("load", function () {
        if (xhr.status === 201) {
          window.location.assign(JSON.parse(xhr.responseText).url);
          return;
        }
        button.disabled = false;
        box.hidden = true;
        showError(errorOf(xhr));
      });
      xhr.addEventListener("error", function () { button.disabled = false; box.hidden = true; showError(errorOf(xhr)); });
      button.disabled = true;
      box.hidden = false;
      bar.value = 0;
      label.textContent = "0 %";
      xhr.send(new FormData(form));
    });
  }

  function socketUrl(path) {
    return (window.location.protocol === "https:" ? "wss://" : "ws://") + window.location.host + path;
  }
  window.platformSocketUrl = socketUrl;

  /* A page whose <main> carries data-live-state has something still in progress. On every push it re-reads
     itself and reloads once that state changed; document pushes also move the progress bars at once. */
  function wireLive(main) {
    var state = main.getAttribute("data-live-state");
    var checking = false;
    function recheck() {
      if (checking) { return; }
      checking = true;
      fetch(window.location.href, { credentials: "same-origin", headers: { "X-Live-Check": "1" } })
        .then(function (r) { return r.text(); })
        .then(function (html) {
          var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("main");
          var now = fresh ? fresh.getAttribute("data-live-state") : null;
          if (now !== state) { window.location.reload(); }
        })
        .catch(function () { /* offline for a moment: the next push or tick tries again */ })
        .finally(function () { checking = false; });
    }
    function moveBar(data) {
      var row = document.querySelector('[data-document-id="' + data.document_id + '"]');
      if (!row) { return; }
      var bar = row.querySelector("[data-progress]");
      if (bar && data.page_count) { bar.value = Math.round((100 * data.pages_done) / data.page_count); }
    }
    var socket;
    try {
      socket = new WebSocket(socketUrl("/ws/events/"));
      socket.addEventListener("message", function (event) {
        var message = JSON.parse(event.data);
        if (message.event === "document.updated") { moveBar(message.data); }
        if (message.event === "document.updated" || message.event === "job.progress") { recheck(); }
      });
    } catch (ignored) { socket = null; }
    // Pushes are the fast path; a slow tick covers a socket that could not open or was dropped.
    window.setInterval(recheck, 5000);
  }

  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll("form[data-upload]"), wireUpload);
    Array.prototype.forEach.call(document.querySelectorAll("form[data-confirm]"), function (form) {
      form.addEventListener("submit", function (event) {
        if (!window.confirm(form.getAttribute("data-confirm"))) { event.preventDefault(); }
      });
    });
    var main = document.getElementById("main");
    if (main && main.hasAttribute("data-live-state")) { wireLive(main); }
  });
})();
