// The hub's attendance board, live: the meeting's socket says "attendance changed" and the
// board is re-fetched (htmx, board_part). A refresh waits while someone types a reason.
(function () {
  "use strict";
  var board = document.getElementById("board-part");
  if (!board) return;
  var meeting = board.dataset.meeting;
  var conn = document.querySelector("[data-conn]");
  var socket = null;
  var attempt = 0;
  var waiting = false;
  var timer = null;
  // a refused mark (no reason for an absence) comes back as 422 with the board and its error
  if (window.htmx) window.htmx.config.responseHandling.unshift({ code: "422", swap: true, error: false });

  function typing() {
    var active = document.activeElement;
    return active && board.contains(active) && active.matches("input[type=text]") && active.value;
  }
  function refresh() {
    if (timer) return;
    timer = setTimeout(function () {
      timer = null;
      if (typing()) { waiting = true; return; }
      waiting = false;
      if (window.htmx) window.htmx.trigger(document.body, "board-refresh");
    }, 300);
  }
  board.addEventListener("focusout", function () { if (waiting) setTimeout(refresh, 50); });

  function setConn(kind) {
    if (!conn) return;
    conn.hidden = false;
    conn.className = "conn " + kind;
    conn.textContent = { live: board.dataset.msgLive, retry: board.dataset.msgRetry,
      refused: board.dataset.msgRefused }[kind] || "";
  }

  function connect() {
    if (socket) return;
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    socket = new WebSocket(scheme + location.host + "/ws/meetings/" + meeting + "/");
    socket.onmessage = function (event) {
      var m;
      try { m = JSON.parse(event.data); } catch (e) { return; }
      if (m.type === "hello") {
        if (attempt > 0 || socket.synced) refresh(); // back after a drop: catch up
        attempt = 0;
        socket.synced = true;
        setConn("live");
      } else if (m.type === "attendance.changed" || m.type === "participants.changed" ||
                 m.type === "meeting.state") {
        refresh();
      }
    };
    socket.onclose = function (event) {
      socket = null;
      if (event.code === 4401 || event.code === 4403 || event.code === 4404) { setConn("refused"); return; }
      setConn("retry");
      var delay = Math.min(30000, 1000 * Math.pow(2, attempt)) * (0.5 + Math.random() / 2);
      attempt += 1;
      setTimeout(function () { connect(); refresh(); }, delay);
    };
  }
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible" && !socket) { attempt = 0; connect(); refresh(); }
  });
  connect();
})();
