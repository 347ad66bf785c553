// The lab page: a terminal on the session's WebSocket (reconnecting when it drops), Check,
// Skip and End, and the countdown to the track's time limit. The page works from the
// session's JSON (`/state`, and the answers to Check and Skip): it shows the current
// challenge, marks passed ones, and shows the badge when the track is complete.
(() => {
  "use strict";
  const root = document.getElementById("lab");
  if (!root) return;
  const base = `/lab/sessions/${root.dataset.session}`;
  const csrf = root.dataset.csrf;
  const $ = (id) => document.getElementById(id);
  const WARN_SECONDS = 5 * 60;
  const SHELL_ENDED = 4000;

  let session = {
    status: root.dataset.status,
    current: root.dataset.current === "" ? null : Number(root.dataset.current),
    ends_at: root.dataset.endsAt || null,
  };

  // The terminal.
  const term = new Terminal({
    cursorBlink: true,
    fontSize: 14,
    scrollback: 5000,
    theme: { background: "#0b0d10" },
  });
  const fit = new FitAddon.FitAddon();
  term.loadAddon(fit);
  term.open($("lab-terminal"));
  fit.fit();
  window.addEventListener("resize", () => fit.fit());

  let socket = null;
  let retries = 0;
  const encoder = new TextEncoder();

  function connection(text, lost) {
    const el = $("lab-connection");
    el.textContent = text;
    el.classList.toggle("lost", Boolean(lost));
  }

  function connect() {
    if (session.status !== "active") return;
    const url = new URL(`${base}/terminal?rows=${term.rows}&cols=${term.cols}`, location.href);
    url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
    socket = new WebSocket(url);
    socket.binaryType = "arraybuffer";
    socket.onopen = () => {
      retries = 0;
      // The server sends the screen so far first: start from a clean one.
      term.reset();
      connection("Connected");
      socket.send(JSON.stringify({ type: "resize", rows: term.rows, cols: term.cols }));
      term.focus();
    };
    socket.onmessage = (event) => {
      if (typeof event.data !== "string") term.write(new Uint8Array(event.data));
    };
    socket.onclose = (event) => {
      socket = null;
      if (session.status !== "active") return;
      if (event.code === SHELL_ENDED) {
        connection("The shell ended; starting a new one");
        setTimeout(connect, 300);
        return;
      }
      // Dropped: the shell goes on running on the server; come back to it.
      const wait = Math.min(10000, 500 * 2 ** retries);
      retries += 1;
      connection("Connection lost; reconnecting…", true);
      setTimeout(() => refresh().then(connect), wait);
    };
  }

  term.onData((data) => {
    if (socket && socket.readyState === WebSocket.OPEN) socket.send(encoder.encode(data));
  });
  term.onResize(({ rows, cols }) => {
    if (socket && socket.readyState === WebSocket.OPEN) {
      socket.send(JSON.stringify({ type: "resize", rows, cols }));
    }
  });

  // The session.
  async function call(method, action) {
    const response = await fetch(`${base}/${action}`, {
      method,
      headers: method === "POST" ? { "x-rosette-lab-csrf": csrf } : {},
      credentials: "same-origin",
    });
    const body = await response.json().catch(() => ({}));
    if (!response.ok) throw new Error(body.detail || `The server answered ${response.status}.`);
    return body;
  }

  async function refresh() {
    try {
      show(await call("GET", "state"));
    } catch (error) {
      // Offline: the reconnecting terminal says so.
    }
  }

  function result(kind, text, lines) {
    const el = $("lab-result");
    el.replaceChildren();
    if (!kind) return;
    el.className = `lab-result alert ${kind}`;
    const p = document.createElement("p");
    p.textContent = text;
    el.append(p);
    if (lines && lines.length) {
      const list = document.createElement("ul");
      for (const line of lines) {
        const item = document.createElement("li");
        item.textContent = line;
        list.append(item);
      }
      el.append(list);
    }
  }

  function show(next) {
    const moved = next.current !== session.current;
    session = next;
    root.dataset.status = next.status;
    for (const article of document.querySelectorAll(".lab-challenge")) {
      article.hidden = next.status === "active" && Number(article.dataset.index) !== next.current;
    }
    for (const step of document.querySelectorAll("#lab-steps li")) {
      const c = next.challenges[Number(step.dataset.index)];
      step.classList.toggle("passed", Boolean(c.progress.passed_at) && !c.progress.skipped);
      step.classList.toggle("skipped", c.progress.skipped);
      step.classList.toggle("current", Number(step.dataset.index) === next.current);
    }
    $("lab-actions").hidden = next.status !== "active";
    $("lab-done").hidden = next.status !== "completed";
    $("lab-ended").hidden = next.status !== "ended";
    $("lab-end").hidden = next.status !== "active";
    if (next.status === "completed" && next.award_id) {
      $("lab-badge").href = `/credentials/${next.award_id}`;
    }
    if (next.status === "ended") $("lab-end-reason").textContent = next.end_reason || "";
    if (next.status !== "active") {
      connection("");
      if (socket) socket.close();
      term.options.disableStdin = true;
    }
    if (moved && next.status === "active") {
      document.querySelector(`#challenge-${next.current} h1`)?.scrollIntoView();
      term.focus();
    }
    tick();
  }

  function busy(on) {
    for (const id of ["lab-check", "lab-skip", "lab-end"]) {
      const button = $(id);
      if (button) button.disabled = on;
    }
  }

  async function act(action, pending, done) {
    busy(true);
    result("muted", pending);
    try {
      done(await call("POST", action));
    } catch (error) {
      result("error", error.message);
    } finally {
      busy(false);
    }
  }

  $("lab-check").addEventListener("click", () =>
    act("check", "Checking…", (answer) => {
      if (answer.passed) {
        const finished = answer.session.status === "completed";
        result("success", finished ? "Passed. That was the last one." : "Passed. On to the next one.");
      } else {
        const lines = answer.fail.length ? answer.fail : ["The check did not pass."];
        result("error", "Not yet:", lines);
      }
      show(answer.session);
    }));

  $("lab-skip")?.addEventListener("click", () => {
    if (!confirm("Skip this challenge? Its solution is applied and the skip is recorded.")) return;
    act("skip", "Skipping…", (next) => {
      result("muted", "Skipped.");
      show(next);
    });
  });

  $("lab-end").addEventListener("click", () => {
    if (!confirm("End this lab? Your work in the terminal is removed.")) return;
    act("end", "Ending…", (next) => {
      result("", "");
      show(next);
    });
  });

  // The countdown to the track's time limit.
  function tick() {
    const el = $("lab-countdown");
    if (session.status !== "active" || !session.ends_at) {
      el.textContent = "";
      return;
    }
    const left = Math.max(0, Math.round((Date.parse(session.ends_at) - Date.now()) / 1000));
    const minutes = Math.floor(left / 60);
    const seconds = String(left % 60).padStart(2, "0");
    const soon = left <= WARN_SECONDS;
    el.textContent = left > 0 ? `${minutes}:${seconds} left${soon ? ": the lab ends soon" : ""}`
      : "Time is up";
    el.classList.toggle("warning", soon);
    el.title = left <= WARN_SECONDS
      ? "The lab ends soon: finish the current challenge and press Check."
      : "Time left before the lab ends";
  }
  setInterval(tick, 1000);
  // The server ends sessions at their time limit or when idle: notice it.
  setInterval(refresh, 30000);

  tick();
  if (session.status === "active") {
    connect();
  } else {
    term.options.disableStdin = true;
  }
})();
