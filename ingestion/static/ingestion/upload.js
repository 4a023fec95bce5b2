// Upload page: drag-and-drop or pick files, one XHR per file with real upload progress, then
// poll the ledger until every file is done, rejected or failed (with the reason).
(function () {
  "use strict";
  // Where to send files and ask for their status: the script tag's data attributes (no inline
  // script: the Content-Security-Policy allows none).
  const config = document.currentScript.dataset;
  const UPLOAD_URL = config.uploadUrl;
  const STATUS_URL = config.statusUrl;
  const MAX_SIZE = Number(config.maxSize);
  const zone = document.getElementById("dropzone");
  const input = document.getElementById("files");
  const queue = document.getElementById("queue");
  const panel = document.getElementById("queue-panel");
  const csrf = document.querySelector("input[name=csrfmiddlewaretoken]").value;
  const pending = new Map(); // ledger id -> row element
  const maxParallel = 2;
  const waiting = [];
  let active = 0;

  function human(n) {
    const units = ["bytes", "KB", "MB", "GB", "TB"];
    let i = 0;
    while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
    return (i ? n.toFixed(1) : n) + " " + units[i];
  }

  function row(file) {
    const li = document.createElement("li");
    li.innerHTML = '<div><div class="name"></div><div class="muted small detail"></div>' +
      '<div class="reason" hidden></div></div><progress max="100" value="0"></progress>' +
      '<div><span class="badge received">waiting</span></div>';
    li.querySelector(".name").textContent = file.name;
    li.querySelector(".detail").textContent = human(file.size);
    queue.appendChild(li);
    panel.hidden = false;
    return li;
  }

  function setStatus(li, status, reason, label) {
    const badge = li.querySelector(".badge");
    badge.className = "badge " + status;
    badge.textContent = label || status;
    const r = li.querySelector(".reason");
    r.hidden = !reason;
    r.textContent = reason || "";
  }

  function send(file, li) {
    active++;
    const form = new FormData();
    form.append("file", file);
    form.append("storage_class", document.getElementById("storage_class").value);
    form.append("raw_only", document.getElementById("raw_only").checked ? "1" : "0");
    const xhr = new XMLHttpRequest();
    xhr.open("POST", UPLOAD_URL);
    xhr.setRequestHeader("X-CSRFToken", csrf);
    const bar = li.querySelector("progress");
    setStatus(li, "processing", "", "uploading");
    xhr.upload.onprogress = function (e) {
      if (e.lengthComputable) {
        bar.value = Math.round((e.loaded / e.total) * 100);
        li.querySelector(".detail").textContent = human(e.loaded) + " of " + human(e.total);
      }
    };
    xhr.onload = function () {
      active--;
      let body = {};
      try { body = JSON.parse(xhr.responseText); } catch (err) { body = {}; }
      if (xhr.status === 201) {
        bar.value = 100;
        li.querySelector(".detail").textContent = human(file.size) + " · " + body.kind;
        li.dataset.id = body.id;
        pending.set(String(body.id), li);
        show(li, body);
      } else {
        setStatus(li, "rejected", body.error || ("Upload failed (HTTP " + xhr.status + ")"), "refused");
      }
      next();
    };
    xhr.onerror = function () {
      active--;
      setStatus(li, "failed", "The connection was lost during the upload.", "failed");
      next();
    };
    xhr.send(form);
  }

  function show(li, obj) {
    const labels = {received: "queued", processing: "processing", done: "done",
                    rejected: "rejected", failed: "failed"};
    setStatus(li, obj.status, obj.reason && obj.status !== "done" ? obj.reason : "", labels[obj.status]);
    if (obj.final) {
      pending.delete(String(obj.id));
      if (obj.status === "done" && obj.reason) li.querySelector(".detail").textContent += " · " + obj.reason;
    }
  }

  function next() {
    while (active < maxParallel && waiting.length) {
      const item = waiting.shift();
      send(item.file, item.li);
    }
  }

  function add(files) {
    for (const file of files) {
      const li = row(file);
      if (file.size === 0) { setStatus(li, "rejected", "The file is empty (0 bytes).", "refused"); continue; }
      if (file.size > MAX_SIZE) {
        setStatus(li, "rejected", "Larger than the upload limit of " + human(MAX_SIZE) + ".", "refused");
        continue;
      }
      waiting.push({file: file, li: li});
    }
    next();
  }

  function poll() {
    if (pending.size) {
      fetch(STATUS_URL + "?ids=" + Array.from(pending.keys()).join(","), {credentials: "same-origin"})
        .then((r) => r.json())
        .then((data) => { for (const obj of data.objects) { const li = pending.get(String(obj.id)); if (li) show(li, obj); } })
        .catch(() => {});
    }
    setTimeout(poll, 1000);
  }

  zone.addEventListener("click", () => input.click());
  zone.addEventListener("keydown", (e) => { if (e.key === "Enter" || e.key === " ") input.click(); });
  input.addEventListener("change", () => { add(input.files); input.value = ""; });
  ["dragenter", "dragover"].forEach((t) => zone.addEventListener(t, (e) => { e.preventDefault(); zone.classList.add("over"); }));
  ["dragleave", "drop"].forEach((t) => zone.addEventListener(t, (e) => { e.preventDefault(); zone.classList.remove("over"); }));
  zone.addEventListener("drop", (e) => add(e.dataTransfer.files));
  poll();
})();
