// The live meeting room. The page is whole without this file (forms post, links browse);
// this adds the live part: the meeting's socket (ws/meetings/<id>/) says what changed in small
// notices and the affected parts of the page are re-fetched (htmx, fragment routes); actions are
// posted in the background; "follow the chair" is kept here; speaking-time countdown; video.
(function () {
  "use strict";
  var root = document.getElementById("room");
  if (!root) return;

  var meeting = root.dataset.meeting;
  var drives = root.dataset.drives === "1";
  var PARTS = ["state", "agenda", "document", "speakers", "votes"];
  var lens = {
    following: root.dataset.following === "1",
    item: root.dataset.item || "",
    document: root.dataset.document || "",
    page: root.dataset.page || "",
  };
  var conn = root.querySelector("[data-conn]");
  var flashBox = root.querySelector("[data-flash]");

  // --- refreshing parts --------------------------------------------------------------------
  var pending = {};
  var timer = null;
  function refresh(parts) {
    (parts || []).forEach(function (p) { pending[p] = true; });
    if (!timer) timer = setTimeout(flush, 50); // notices that come together, one fetch each
  }
  function flush() {
    timer = null;
    Object.keys(pending).forEach(function (p) {
      delete pending[p];
      if (window.htmx) window.htmx.trigger(document.body, "room-" + p);
    });
  }
  // at most one re-fetch of the votes per second while ballots come in
  var votesThrottle = null;
  function refreshVotesSoon() {
    if (votesThrottle) return;
    votesThrottle = setTimeout(function () { votesThrottle = null; refresh(["votes"]); }, 1000);
  }

  // a part asks for what this viewer looks at: nothing when she follows the chair
  document.body.addEventListener("htmx:configRequest", function (event) {
    var elt = event.detail.elt;
    if (!elt || !elt.dataset || !elt.dataset.part || lens.following) return;
    if (lens.item) event.detail.parameters.item = lens.item;
    if (lens.document) {
      event.detail.parameters.document = lens.document;
      event.detail.parameters.page = lens.page || "1";
    }
  });
  document.body.addEventListener("htmx:afterSwap", function () { tick(); });

  // --- follow the chair --------------------------------------------------------------------
  var followBox = root.querySelector("[data-follow]");
  var followWrap = root.querySelector("[data-follow-wrap]");
  var back = root.querySelector("[data-back]");
  if (followWrap) followWrap.hidden = false;

  function showLens() {
    if (followBox) followBox.checked = lens.following;
    if (back) back.hidden = lens.following;
    root.dataset.following = lens.following ? "1" : "0";
    var url = root.dataset.roomUrl;
    if (!lens.following) {
      var q = new URLSearchParams();
      if (lens.item) q.set("item", lens.item);
      if (lens.document) { q.set("document", lens.document); q.set("page", lens.page || "1"); }
      url += "?" + q.toString();
    }
    if (window.history && history.replaceState) history.replaceState(null, "", url);
  }
  function follow() {
    lens = { following: true, item: "", document: "", page: "" };
    showLens();
    refresh(["agenda", "document"]);
  }
  if (followBox) {
    followBox.addEventListener("change", function () {
      if (followBox.checked) { follow(); return; }
      // stay where the chair is, and browse from there
      lens = {
        following: false,
        item: root.dataset.current || "",
        document: root.dataset.shown || "",
        page: root.dataset.shownPage || "1",
      };
      showLens();
    });
  }
  if (back) back.addEventListener("click", function (event) { event.preventDefault(); follow(); });
  root.addEventListener("click", function (event) {
    var link = event.target.closest("a[data-browse]");
    if (!link || drives) return;
    event.preventDefault();
    lens = {
      following: false,
      item: link.dataset.item || "",
      document: link.dataset.document || "",
      page: link.dataset.page || "",
    };
    showLens();
    refresh(["agenda", "document"]);
  });

  // --- actions -----------------------------------------------------------------------------
  function flash(message) {
    if (!flashBox) return;
    flashBox.textContent = message || "";
    flashBox.hidden = !message;
  }
  root.addEventListener("submit", function (event) {
    var form = event.target.closest("form.act");
    if (!form) return;
    event.preventDefault();
    if (form.dataset.confirm && !window.confirm(form.dataset.confirm)) return;
    var data = new FormData(form);
    var submitter = event.submitter;
    if (submitter && submitter.name) data.append(submitter.name, submitter.value);
    var buttons = form.querySelectorAll("button");
    buttons.forEach(function (b) { b.disabled = true; });
    // getAttribute: the form's "action" field shadows form.action
    fetch(form.getAttribute("action"), {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    })
      .then(function (response) {
        return response.json().catch(function () {
          return { ok: false, message: root.dataset.msgOffline, refresh: PARTS };
        });
      })
      .then(function (answer) {
        flash(answer.ok ? "" : answer.message);
        refresh(answer.ok ? answer.refresh : PARTS);
      })
      .catch(function () { flash(root.dataset.msgOffline); })
      .finally(function () { buttons.forEach(function (b) { b.disabled = false; }); });
  });

  // --- the socket --------------------------------------------------------------------------
  var socket = null;
  var attempt = 0;
  var retryTimer = null;
  var connectedOnce = false;

  function setConn(kind) {
    if (!conn) return;
    conn.hidden = false;
    conn.className = "conn " + kind;
    conn.textContent = { live: root.dataset.msgLive, retry: root.dataset.msgRetry,
      refused: root.dataset.msgRefused }[kind] || "";
    root.dataset.conn = kind;
  }

  function connect() {
    if (socket) return;
    clearTimeout(retryTimer);
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    socket = new WebSocket(scheme + location.host + "/ws/meetings/" + meeting + "/");
    socket.onmessage = function (event) {
      var message;
      try { message = JSON.parse(event.data); } catch (e) { return; }
      notice(message);
    };
    socket.onclose = function (event) {
      socket = null;
      if (event.code === 4401 || event.code === 4403 || event.code === 4404) {
        setConn("refused");
        return;
      }
      setConn("retry");
      // 1, 2, 4 … 30 s, with jitter so that a room full of phones does not come back at once
      var delay = Math.min(30000, 1000 * Math.pow(2, attempt)) * (0.5 + Math.random() / 2);
      attempt += 1;
      retryTimer = setTimeout(connect, delay);
    };
  }

  function notice(m) {
    switch (m.type) {
      case "hello":
        attempt = 0;
        setConn("live");
        // what changed while the page loaded, or while the socket was down
        if (connectedOnce || m.state !== root.dataset.state || String(m.item || "") !== (root.dataset.current || "") ||
            String(m.document || "") !== (root.dataset.shown || "") || String(m.page) !== root.dataset.shownPage) {
          refresh(PARTS);
        }
        connectedOnce = true;
        remember(m);
        break;
      case "meeting.state":
        root.dataset.state = m.state;
        refresh(PARTS);
        break;
      case "meeting.changed":
        refresh(["state"]);
        break;
      case "participants.changed":
        refresh(["state", "speakers", "votes"]);
        break;
      case "agenda.changed":
        refresh(["agenda", "document"]);
        break;
      case "agenda.current":
        root.dataset.current = m.item || "";
        refresh(lens.following ? ["state", "agenda", "speakers", "document"] : ["state", "agenda", "speakers"]);
        break;
      case "document.show":
        root.dataset.shown = m.document || "";
        root.dataset.shownPage = m.page || "1";
        refresh(lens.following ? ["state", "document"] : []);
        break;
      case "attendance.changed":
        refresh(["state", "speakers"]);
        refreshVotesSoon();
        break;
      case "speakers.changed":
        refresh(["speakers"]);
        break;
      case "vote.opened":
      case "vote.closed":
      case "vote.changed":
        refresh(["votes"]);
        break;
      case "vote.progress":
        progress(m.vote, m.voted);
        break;
    }
  }

  function remember(m) {
    root.dataset.state = m.state || "";
    root.dataset.current = m.item || "";
    root.dataset.shown = m.document || "";
    root.dataset.shownPage = m.page || "1";
  }

  function progress(vote, voted) {
    root.querySelectorAll('[data-voted-of="' + vote + '"]').forEach(function (el) { el.textContent = voted; });
    root.querySelectorAll('[data-progress-of="' + vote + '"]').forEach(function (el) { el.value = voted; });
    var card = root.querySelector('[data-vote="' + vote + '"]');
    // the running tally moves only for those who see it (the chair; everyone when shown)
    if (card && card.dataset.liveResults === "1") refreshVotesSoon();
  }

  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible" && !socket && root.dataset.conn !== "refused") {
      attempt = 0;
      connect();
    }
  });

  // --- speaking time -----------------------------------------------------------------------
  var planKey = "hoiso.meetings.speech." + meeting;
  function planSeconds() {
    var input = root.querySelector("[data-plan-input]");
    var minutes = input ? parseFloat(input.value) : NaN;
    if (!(minutes > 0)) return 180;
    return Math.round(minutes * 60);
  }
  root.addEventListener("change", function (event) {
    if (!event.target.matches("[data-plan-input]")) return;
    try { localStorage.setItem(planKey, event.target.value); } catch (e) { /* private mode */ }
    tick();
  });
  function restorePlan() {
    var input = root.querySelector("[data-plan-input]");
    if (!input || input.dataset.restored) return;
    input.dataset.restored = "1";
    var saved = null;
    try { saved = localStorage.getItem(planKey); } catch (e) { saved = null; }
    if (saved) input.value = saved;
    else if (input.dataset.default) input.value = parseInt(input.dataset.default, 10) / 60;
  }
  function clock(seconds) {
    var sign = seconds < 0 ? "-" : "";
    seconds = Math.abs(Math.round(seconds));
    var m = Math.floor(seconds / 60), s = seconds % 60;
    return sign + m + ":" + (s < 10 ? "0" : "") + s;
  }
  function elapsed(el) {
    // the server's clock: its time when it rendered the part, against ours when we got it
    if (!el.dataset.skew) el.dataset.skew = String(parseInt(el.dataset.serverNow, 10) - Date.now());
    var now = Date.now() + parseInt(el.dataset.skew, 10);
    return (now - parseInt(el.dataset.started, 10) * 1000) / 1000;
  }
  function tick() {
    restorePlan();
    root.querySelectorAll("[data-countdown]").forEach(function (el) {
      var left = planSeconds() - elapsed(el);
      el.textContent = clock(left);
      el.classList.toggle("over", left < 0);
    });
    root.querySelectorAll("[data-elapsed]").forEach(function (el) {
      el.textContent = clock(elapsed(el));
    });
  }
  setInterval(tick, 1000);

  // --- video (Jitsi's iframe API, from the configured Jitsi server itself) -----------------
  root.addEventListener("click", function (event) {
    var button = event.target.closest("[data-video-join]");
    if (!button) return;
    var box = root.querySelector("[data-video]");
    if (!box || box.dataset.started) return;
    box.dataset.started = "1";
    button.disabled = true;
    var script = document.createElement("script");
    script.src = box.dataset.script;
    script.onload = function () {
      /* global JitsiMeetExternalAPI */
      try {
        new window.JitsiMeetExternalAPI(box.dataset.domain, {
          roomName: box.dataset.room,
          jwt: box.dataset.jwt,
          parentNode: box,
          width: "100%",
          height: 360,
          userInfo: { displayName: box.dataset.name },
        });
        button.hidden = true;
      } catch (e) {
        flash(root.dataset.msgVideo);
        button.disabled = false;
        delete box.dataset.started;
      }
    };
    script.onerror = function () {
      flash(root.dataset.msgVideo);
      button.disabled = false;
      delete box.dataset.started;
    };
    document.head.appendChild(script);
  });

  showLensIfBrowsing();
  function showLensIfBrowsing() { if (!lens.following && back) back.hidden = false; }
  tick();
  connect();
})();
