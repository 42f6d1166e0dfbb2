/* The chat page: questions go over ws/chat/<id>/ (signed in by the session cookie), answers stream in as
   text. Every answer and citation is inserted with textContent: nothing from a document becomes HTML. */
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var log = document.getElementById("chat-log");
    var form = document.getElementById("ask");
    if (!log || !form) { return; }
    var input = document.getElementById("question");
    var state = document.getElementById("chat-state");
    var documentsUrl = log.getAttribute("data-document-url");
    var path = "/ws/chat/" + log.getAttribute("data-session-id") + "/";
    var socket = null;
    var current = null;
    var pending = [];

    function bubble(role, text) {
      var item = document.createElement("li");
      item.className = "bubble " + role;
      var p = document.createElement("p");
      p.textContent = text;
      item.appendChild(p);
      log.appendChild(item);
      item.scrollIntoView({ block: "end" });
      return item;
    }

    function citations(item, list) {
      if (!list || !list.length) { return; }
      var ul = document.createElement("ul");
      ul.className = "citations";
      list.forEach(function (c) {
        var li = document.createElement("li");
        var a = document.createElement("a");
        a.href = documentsUrl + encodeURIComponent(c.document_id) + "/#page-" + encodeURIComponent(c.page);
        a.textContent = "[" + c.number + "] " + c.document_title + ", p. " + c.page;
        li.appendChild(a);
        ul.appendChild(li);
      });
      item.appendChild(ul);
    }

    function open() {
      socket = new WebSocket(window.platformSocketUrl(path));
      socket.addEventListener("open", function () { state.textContent = ""; });
      socket.addEventListener("message", function (event) {
        var message = JSON.parse(event.data);
        var data = message.data || {};
        if (message.event === "connected") {
          pending.splice(0).forEach(function (frame) { socket.send(frame); });
        } else if (message.event === "answer.part") {
          if (!current) { current = bubble("assistant", ""); }
          var p = current.querySelector("p");
          p.textContent = (p.textContent ? p.textContent + " " : "") + data.text;
        } else if (message.event === "answer.final") {
          if (!current) { current = bubble("assistant", ""); }
          current.querySelector("p").textContent = data.text;
          citations(current, data.citations);
          current = null;
          state.textContent = "";
          input.disabled = false;
          input.focus();
        } else if (message.event === "error") {
          current = null;
          input.disabled = false;
          window.platformShowError(data.detail || "The question could not be answered.");
          state.textContent = "";
        } else if (message.event === "auth.ended") {
          window.platformShowError("You are signed out: log in again to keep chatting.");
        } else if (message.event === "idle.timeout") {
          state.textContent = "The chat went idle; it reconnects when you ask again.";
        }
      });
      socket.addEventListener("close", function () { socket = null; });
    }

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var text = input.value.trim();
      if (!text) { return; }
      bubble("user", text);
      input.value = "";
      input.disabled = true;
      state.textContent = "Looking for the answer in your documents…";
      var frame = JSON.stringify({ type: "question", text: text });
      if (socket && socket.readyState === WebSocket.OPEN) {
        socket.send(frame);
      } else {
        pending.push(frame);
        if (!socket) { open(); }
      }
    });
    open();
  });
})();
