// Document upload: drag-and-drop of many files, each sent on its own with its progress and
// outcome; the processing state then updates itself (htmx polls a small fragment).
// Without JavaScript the form posts every file at once and the server lists the outcomes.
(function () {
  "use strict";

  function text(tag, cls, value) {
    var el = document.createElement(tag);
    if (cls) el.className = cls;
    if (value) el.textContent = value;
    return el;
  }

  function init(form) {
    var list = document.querySelector("[data-upload-list]");
    var input = form.querySelector("input[type=file]");
    var zone = form.querySelector("[data-dropzone]");
    var msg = form.dataset;

    function row(file) {
      var li = text("li", "card upload-item", "");
      li.setAttribute("data-testid", "upload-item");
      li.appendChild(text("strong", "", file.name));
      var bar = document.createElement("progress");
      bar.max = 100;
      bar.value = 0;
      li.appendChild(bar);
      var status = text("span", "small muted upload-status", msg.msgUploading);
      li.appendChild(status);
      list.appendChild(li);
      return { li: li, bar: bar, status: status };
    }

    function done(r, outcome) {
      r.bar.remove();
      r.status.textContent = "";
      if (outcome.error) {
        r.li.classList.add("failed");
        r.status.className = "msg error";
        r.status.textContent = msg.msgFailed + ": " + outcome.error;
        return;
      }
      if (!outcome.document_id) {
        // the same bytes are stored already: a link when she may see that document
        r.status.textContent = msg.msgDuplicate;
        if (outcome.duplicate_of) {
          r.status.textContent += ": ";
          var dup = text("a", "", "#" + outcome.duplicate_of);
          dup.href = outcome.duplicate_url;
          r.status.appendChild(dup);
        }
        (outcome.warnings || []).forEach(function (w) {
          r.li.appendChild(text("p", "msg warning", w));
        });
        return;
      }
      r.status.textContent = msg.msgUploaded + " ";
      var open = text("a", "", msg.msgOpen + " #" + outcome.document_id);
      open.href = outcome.url;
      r.status.appendChild(open);
      (outcome.warnings || []).forEach(function (w) {
        r.li.appendChild(text("p", "msg warning", w));
      });
      var state = document.createElement("div");
      state.setAttribute("hx-get", outcome.state_url);
      state.setAttribute("hx-trigger", "load");
      state.setAttribute("hx-swap", "outerHTML");
      r.li.appendChild(state);
      if (window.htmx) window.htmx.process(state);
    }

    function send(file) {
      var r = row(file);
      var data = new FormData();
      data.append("csrfmiddlewaretoken", form.querySelector("[name=csrfmiddlewaretoken]").value);
      data.append("unit", form.querySelector("[name=unit]").value);
      data.append("direction", form.querySelector("[name=direction]").value);
      data.append("files", file, file.name);
      var xhr = new XMLHttpRequest();
      xhr.open("POST", form.action || window.location.href);
      xhr.setRequestHeader("Accept", "application/json");
      xhr.upload.onprogress = function (e) {
        if (e.lengthComputable) r.bar.value = Math.round((e.loaded / e.total) * 100);
      };
      xhr.onload = function () {
        var body = null;
        try { body = JSON.parse(xhr.responseText); } catch (err) { body = null; }
        if (body && body.files && body.files.length) {
          done(r, body.files[0]);
        } else if (body && body.errors) {
          var all = [];
          Object.keys(body.errors).forEach(function (k) { all = all.concat(body.errors[k]); });
          done(r, { error: all.join(" ") });
        } else {
          done(r, { error: "HTTP " + xhr.status });
        }
      };
      xhr.onerror = function () { done(r, { error: msg.msgFailed }); };
      xhr.send(data);
    }

    function sendAll(files) {
      for (var i = 0; i < files.length; i++) send(files[i]);
    }

    form.addEventListener("submit", function (e) {
      if (!input.files || !input.files.length) return; // let the server say a file is missing
      e.preventDefault();
      sendAll(input.files);
      input.value = "";
    });
    ["dragenter", "dragover"].forEach(function (name) {
      zone.addEventListener(name, function (e) { e.preventDefault(); zone.classList.add("over"); });
    });
    ["dragleave", "drop"].forEach(function (name) {
      zone.addEventListener(name, function (e) { e.preventDefault(); zone.classList.remove("over"); });
    });
    zone.addEventListener("drop", function (e) {
      if (e.dataTransfer && e.dataTransfer.files.length) sendAll(e.dataTransfer.files);
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.querySelector("form[data-upload]");
    if (form) init(form);
  });
})();
