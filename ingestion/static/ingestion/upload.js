// The upload page: files and folders from the pickers or dropped anywhere on the page, newest at
// the top, each sent resumably (transfer.js) with cancel and retry; a summary that stays in view
// (n of m, speed, time left, failures); then the ledger is polled until each file is processed,
// and a finished file links to what was made of it. Status changes are announced to screen
// readers. No inline script or style: the page keeps working under a strict CSP.
import { Transfer } from "./transfer.js";

const config = document.getElementById("upload-config").dataset;
const csrf = document.querySelector("input[name=csrfmiddlewaretoken]").value;
const maxSize = Number(config.maxSize);
const queue = document.getElementById("queue");
const panel = document.getElementById("queue-panel");
const template = document.getElementById("upload-item");
const announcer = document.getElementById("announcer");
const summaryText = document.getElementById("summary-text");
const summaryBar = document.getElementById("summary-bar");
const retryFailed = document.getElementById("retry-failed");
const overlay = document.getElementById("drop-overlay");
const FILES_AT_ONCE = 2;
const POLL_MS = 1500;
const SPEED_WINDOW_MS = 5000;

const LABELS = {
  waiting: "Waiting", uploading: "Uploading", processing: "Processing", done: "Done",
  rejected: "Not processed", failed: "Failed", cancelled: "Cancelled", refused: "Not uploaded",
};
const KINDS = {
  photo: "photo", chat: "WhatsApp chat", csv: "CSV dataset", zip: "zip archive",
  misc: "file", archive: "stored raw",
};
const STORED = new Set(["processing", "done", "rejected"]); // the bytes are safe on the server
const BUSY = new Set(["waiting", "uploading"]);

const items = [];
const samples = []; // [time, bytes sent this visit] for the speed
let sentThisVisit = 0;

function human(bytes) {
  const units = ["bytes", "KB", "MB", "GB", "TB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) { value /= 1024; unit++; }
  return unit ? `${value.toFixed(1)} ${units[unit]}` : `${value} ${value === 1 ? "byte" : "bytes"}`;
}

function timeLeft(seconds) {
  if (!isFinite(seconds)) return "";
  if (seconds < 60) return `about ${Math.max(5, Math.ceil(seconds / 5) * 5)} s left`;
  if (seconds < 3600) return `about ${Math.round(seconds / 60)} min left`;
  return `about ${(seconds / 3600).toFixed(1)} h left`;
}

let lastAnnouncement = "";
function announce(text) {
  // Assigning the same words again is not read out: clear first, then say it.
  announcer.textContent = "";
  lastAnnouncement = text;
  requestAnimationFrame(() => { announcer.textContent = lastAnnouncement; });
}

function choices() {
  const storageClass = document.getElementById("storage_class");
  return {
    storage_class: storageClass ? storageClass.value : "STANDARD",
    raw_only: document.getElementById("raw_only").checked,
  };
}

class Item {
  constructor(file, path) {
    this.file = file;
    this.li = template.content.firstElementChild.cloneNode(true);
    this.bar = this.li.querySelector(".upload-progress");
    this.li.querySelector(".upload-name").textContent = path || file.name;
    this.bar.setAttribute("aria-label", `${path || file.name}: upload progress`);
    this.li.querySelector(".upload-cancel").addEventListener("click", () => this.cancel());
    this.li.querySelector(".upload-retry").addEventListener("click", () => this.retry());
    this.transfer = null;
    this.counted = 0; // bytes of this file already in sentThisVisit
    this.id = null;
    this.detail(human(file.size));
    queue.prepend(this.li); // newest at the top
    panel.hidden = false;
  }

  get name() { return this.file.name; }

  detail(text) { this.li.querySelector(".upload-detail").textContent = text; }

  set(state, { reason = "", note = "" } = {}) {
    this.state = state;
    this.li.dataset.state = state;
    const badge = this.li.querySelector(".upload-state");
    badge.className = `badge upload-state ${state}`;
    badge.textContent = LABELS[state];
    const why = this.li.querySelector(".reason");
    why.hidden = !reason;
    why.textContent = reason;
    const said = this.li.querySelector(".upload-note");
    said.hidden = !note;
    said.textContent = note;
    this.li.querySelector(".upload-cancel").hidden = !BUSY.has(state);
    this.li.querySelector(".upload-retry").hidden = !["failed", "cancelled"].includes(state);
    summarize();
  }

  start() {
    if (this.file.size === 0) {
      this.set("refused", { reason: "The file is empty (0 bytes); there is nothing to store." });
      return;
    }
    if (this.file.size > maxSize) {
      this.set("refused", { reason: `The file is larger than the upload limit of ${human(maxSize)}.` });
      return;
    }
    this.set("waiting");
    schedule();
  }

  progress(transfer) {
    const sent = transfer.sent;
    sentThisVisit += Math.max(0, sent - transfer.resumedBytes - this.counted);
    this.counted = Math.max(this.counted, sent - transfer.resumedBytes);
    this.bar.value = Math.floor((sent / this.file.size) * 100);
    const resumed = transfer.resumedBytes ? ` · carried on after ${human(transfer.resumedBytes)}` : "";
    this.detail(`${human(sent)} of ${human(this.file.size)}${resumed}`);
    summarize();
  }

  async run() {
    this.set("uploading");
    this.transfer = this.transfer || new Transfer(this.file, {
      startUrl: config.startUrl, csrf, choices: choices(), onProgress: (t) => this.progress(t),
    });
    try {
      const status = await this.transfer.run();
      this.id = status.id;
      this.bar.value = 100;
      const resumed = this.transfer.resumedBytes
        ? ` · carried on after ${human(this.transfer.resumedBytes)}` : "";
      this.detail(`${human(this.file.size)} · ${KINDS[status.kind] || status.kind}${resumed}`);
      this.show(status);
      if (!status.final) announce(`${this.name} uploaded; processing.`);
    } catch (err) {
      if (this.state === "cancelled") return;
      this.set("failed", { reason: err.message });
      announce(`${this.name} failed: ${err.message}`);
      if (!err.retry) this.transfer = null; // refused: a retry starts from the beginning
    }
  }

  show(status) {
    if (!status.final) { this.set("processing"); return; }
    const state = status.status === "done" ? "done" : status.status;
    const words = status.status === "done" ? { note: status.reason } : { reason: status.reason };
    this.set(state, words);
    const open = this.li.querySelector(".upload-open");
    if (status.link) {
      open.href = status.link.url;
      open.textContent = status.link.label;
      open.hidden = false;
    }
    announce(state === "done"
      ? `${this.name} done.${status.reason ? " " + status.reason : ""}`
      : `${this.name} was not processed: ${status.reason}`);
  }

  async cancel() {
    const wasUploading = this.state === "uploading";
    this.set("cancelled", { reason: "Cancelled; nothing of it was kept." });
    announce(`${this.name} cancelled.`);
    if (wasUploading && this.transfer) await this.transfer.cancel();
    this.transfer = null;
    this.bar.value = 0;
    this.detail(human(this.file.size));
  }

  retry() {
    announce(`Retrying ${this.name}.`);
    this.start();
  }
}

function schedule() {
  let active = items.filter((item) => item.state === "uploading").length;
  for (const item of items) {
    if (active >= FILES_AT_ONCE) break;
    if (item.state === "waiting") { active++; item.run().finally(schedule); }
  }
}

function summarize() {
  const counted = items.filter((item) => !["cancelled", "refused"].includes(item.state));
  if (!counted.length) { summaryText.textContent = "Nothing is uploading."; summaryBar.value = 0; }
  const stored = counted.filter((item) => STORED.has(item.state)).length;
  const failed = items.filter((item) => item.state === "failed").length;
  const total = counted.reduce((sum, item) => sum + item.file.size, 0);
  const sent = counted.reduce((sum, item) => sum + (STORED.has(item.state)
    ? item.file.size : item.transfer ? item.transfer.sent : 0), 0);
  const now = performance.now();
  samples.push([now, sentThisVisit]);
  while (samples.length > 2 && now - samples[0][0] > SPEED_WINDOW_MS) samples.shift();
  const [then, before] = samples[0];
  const speed = now > then ? ((sentThisVisit - before) * 1000) / (now - then) : 0;
  const busy = items.some((item) => BUSY.has(item.state));
  const parts = [`${stored} of ${counted.length} uploaded`];
  if (busy && speed > 0) parts.push(`${human(Math.round(speed))}/s`, timeLeft((total - sent) / speed));
  if (failed) parts.push(`${failed} failed`);
  if (counted.length) summaryText.textContent = parts.filter(Boolean).join(" · ");
  summaryBar.value = total ? Math.floor((sent / total) * 100) : 0;
  retryFailed.hidden = !failed;
  retryFailed.textContent = failed === 1 ? "Retry the failed file" : `Retry ${failed} failed files`;
}

function add(entries) {
  const added = entries.map(({ file, path }) => new Item(file, path));
  items.push(...added);
  for (const item of added) item.start();
  if (added.length) announce(`${added.length} file${added.length === 1 ? "" : "s"} added.`);
}

async function poll() {
  const processing = items.filter((item) => item.state === "processing" && item.id);
  if (processing.length) {
    try {
      const ids = processing.map((item) => item.id).join(",");
      const response = await fetch(`${config.objectsUrl}?ids=${ids}`, { credentials: "same-origin" });
      const body = await response.json();
      for (const status of body.objects || []) {
        const item = processing.find((candidate) => candidate.id === status.id);
        if (item && status.final) item.show(status);
      }
    } catch (err) { /* the next poll tries again */ }
  }
  setTimeout(poll, POLL_MS);
}

// Folders dropped on the page: walk them (readEntries answers in batches until it is empty).
function readEntries(reader) {
  return new Promise((resolve, reject) => reader.readEntries(resolve, reject));
}

async function walk(entry, found) {
  if (entry.isFile) {
    const file = await new Promise((resolve, reject) => entry.file(resolve, reject));
    found.push({ file, path: entry.fullPath.replace(/^\//, "") });
  } else if (entry.isDirectory) {
    const reader = entry.createReader();
    for (let batch = await readEntries(reader); batch.length; batch = await readEntries(reader)) {
      for (const child of batch) await walk(child, found);
    }
  }
}

async function dropped(dataTransfer) {
  const entries = Array.from(dataTransfer.items || [])
    .map((item) => (item.webkitGetAsEntry ? item.webkitGetAsEntry() : null))
    .filter(Boolean);
  if (!entries.length) return Array.from(dataTransfer.files, (file) => ({ file }));
  const found = [];
  for (const entry of entries) await walk(entry, found);
  return found;
}

const filesInput = document.getElementById("files");
const folderInput = document.getElementById("folder");
document.getElementById("pick-files").addEventListener("click", () => filesInput.click());
document.getElementById("pick-folder").addEventListener("click", () => folderInput.click());
filesInput.addEventListener("change", () => {
  add(Array.from(filesInput.files, (file) => ({ file })));
  filesInput.value = "";
});
folderInput.addEventListener("change", () => {
  add(Array.from(folderInput.files, (file) => ({ file, path: file.webkitRelativePath })));
  folderInput.value = "";
});
retryFailed.addEventListener("click", () => {
  for (const item of items) if (item.state === "failed") item.retry();
});

// The whole page is the drop target: a file dropped beside the zone is uploaded, never opened
// by the browser in place of this page.
let dragDepth = 0;
const carriesFiles = (e) => Array.from(e.dataTransfer ? e.dataTransfer.types : []).includes("Files");
document.addEventListener("dragenter", (e) => {
  if (!carriesFiles(e)) return;
  e.preventDefault();
  dragDepth++;
  overlay.hidden = false;
});
document.addEventListener("dragover", (e) => {
  if (!carriesFiles(e)) return;
  e.preventDefault();
  e.dataTransfer.dropEffect = "copy";
});
document.addEventListener("dragleave", (e) => {
  if (!carriesFiles(e)) return;
  dragDepth = Math.max(0, dragDepth - 1);
  if (!dragDepth) overlay.hidden = true;
});
document.addEventListener("drop", async (e) => {
  e.preventDefault();
  dragDepth = 0;
  overlay.hidden = true;
  if (e.dataTransfer) add(await dropped(e.dataTransfer));
});

window.addEventListener("beforeunload", (e) => {
  if (items.some((item) => BUSY.has(item.state))) {
    e.preventDefault();
    e.returnValue = ""; // the browser asks whether to leave with uploads unfinished
  }
});

summarize();
poll();
