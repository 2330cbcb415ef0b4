// Live figures of the branch queue pages: server-sent events from
// /api/v1/queue/branches/{id}/events, polling /status when the stream is
// not available. No inline scripts (CSP): the pages carry data attributes.
(function () {
  "use strict";
  var root = document.querySelector("[data-queue-live],[data-queue-board]");
  document.querySelectorAll("[data-print]").forEach(function (b) {
    b.addEventListener("click", function () { window.print(); });
  });
  if (document.querySelector(".print-now") && !navigator.webdriver) { window.print(); }
  // A kiosk's "take your ticket" screen goes back to the service buttons
  // after its time or at a touch of "done", replacing itself so that the
  // next customer cannot come back to it.
  var ret = document.querySelector("[data-return-to]");
  if (ret) {
    var back = function () { window.location.replace(ret.getAttribute("data-return-to")); };
    var after = parseInt(ret.getAttribute("data-return-after"), 10);
    window.setTimeout(back, (after > 0 ? after : 12) * 1000);
    document.querySelectorAll("[data-return-now]").forEach(function (a) {
      a.addEventListener("click", function (ev) { ev.preventDefault(); back(); });
    });
    window.addEventListener("pageshow", function (ev) { if (ev.persisted) { back(); } });
  }
  if (!root) { return; }
  var id = root.getAttribute("data-queue-live") || root.getAttribute("data-queue-board");
  var base = "/api/v1/queue/branches/" + encodeURIComponent(id);
  var state = document.getElementById("live-state");
  var mins = function (m) { return m < 0 ? "-" : String(Math.round(m)); };

  function update(st) {
    document.querySelectorAll("[data-queue-live]").forEach(function (table) {
      table.setAttribute("data-version", st.version);
      (st.types || []).forEach(function (t) {
        var row = table.querySelector('tr[data-type="' + t.type_id + '"]');
        if (!row) { return; }
        row.querySelector('[data-field="waiting"]').textContent = t.waiting;
        var w = row.querySelector('[data-field="wait"]');
        if (w.firstChild) { w.firstChild.nodeValue = mins(t.estimated_wait_min) + " "; }
      });
    });
    var total = document.getElementById("total-waiting");
    if (total) { total.textContent = st.waiting; }
    var calling = document.getElementById("calling");
    if (calling) {
      calling.textContent = "";
      (st.calling || []).forEach(function (c) {
        var li = document.createElement("li");
        var n = document.createElement("span"); n.className = "num"; n.textContent = c.number;
        var a = document.createElement("span"); a.className = "arrow"; a.textContent = " → ";
        var k = document.createElement("span"); k.className = "ctr"; k.textContent = c.counter;
        li.appendChild(n); li.appendChild(a); li.appendChild(k);
        calling.appendChild(li);
      });
    }
    if (state) { state.classList.add("on"); }
  }

  var polling = null;
  function poll() {
    if (polling) { return; }
    var tick = function () {
      fetch(base + "/status", { headers: { "Accept": "application/json" } })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (st) { if (st) { update(st); } })
        .catch(function () { if (state) { state.classList.remove("on"); } });
    };
    tick();
    polling = window.setInterval(tick, 5000);
  }

  if (!window.EventSource) { poll(); return; }
  var failures = 0;
  var es = new EventSource(base + "/events");
  es.addEventListener("status", function (ev) {
    failures = 0;
    try { update(JSON.parse(ev.data)); } catch (e) { /* a malformed event is skipped */ }
  });
  es.onerror = function () {
    if (state) { state.classList.remove("on"); }
    failures++;
    if (failures >= 3) { es.close(); poll(); }
  };
})();
