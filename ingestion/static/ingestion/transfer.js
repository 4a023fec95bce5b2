// One file, uploaded resumably (see ingestion/multipart.py for the protocol): the ledger row
// first, then numbered parts PUT in parallel to the URLs the app hands out (presigned S3 URLs,
// or the app's own signed URLs on disk), then one completion. After a dropped connection the
// server says which parts it has, and only the others are sent again; after a reload the same
// file (name, size, date) picks up its upload where it stopped.

const RETRY_DELAYS = [1000, 2000, 4000, 8000, 15000, 30000]; // then the file is "failed"
const URL_BATCH = 16;
const REMEMBERED = "upload-in-progress:";

export class TransferError extends Error {
  constructor(message, { retry = true } = {}) {
    super(message);
    this.retry = retry; // false: the server refused (retrying the same thing cannot help)
  }
}

function sleep(ms, signal) {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => { clearTimeout(timer); resolve(); }, { once: true });
  });
}

function online(signal) {
  if (navigator.onLine) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => { window.removeEventListener("online", done); resolve(); };
    window.addEventListener("online", done);
    signal.addEventListener("abort", done, { once: true });
  });
}

export class Transfer {
  constructor(file, { startUrl, csrf, choices, onProgress }) {
    this.file = file;
    this.startUrl = startUrl;
    this.csrf = csrf;
    this.choices = choices;
    this.onProgress = onProgress || (() => {});
    this.upload = null;
    this.etags = new Map(); // part number -> ETag of the stored part
    this.inFlight = new Map(); // part number -> bytes sent so far
    this.requests = new Set();
    this.controller = new AbortController();
    this.resumedBytes = 0;
  }

  get fingerprint() {
    const f = this.file;
    return REMEMBERED + [f.name, f.size, f.lastModified].join("|");
  }

  get sent() {
    let total = 0;
    for (const number of this.etags.keys()) total += this.partLength(number);
    for (const loaded of this.inFlight.values()) total += loaded;
    return total;
  }

  partLength(number) {
    const start = (number - 1) * this.upload.part_size;
    return Math.min(this.upload.part_size, this.file.size - start);
  }

  async json(url, options = {}) {
    const headers = { "X-CSRFToken": this.csrf, ...(options.headers || {}) };
    if (options.body) headers["Content-Type"] = "application/json";
    let response;
    try {
      response = await fetch(url, { credentials: "same-origin", ...options, headers,
                                    signal: this.controller.signal });
    } catch (err) {
      throw new TransferError("The connection was lost.");
    }
    let body = {};
    try { body = await response.json(); } catch (err) { body = {}; }
    if (!response.ok) {
      const retry = response.status >= 500 || response.status === 429;
      throw new TransferError(body.error || `The server answered ${response.status}.`,
                              { retry });
    }
    return body;
  }

  // Start, or carry on with the upload this browser began for the same file.
  async begin() {
    if (this.upload) return this.refresh();
    const remembered = localStorage.getItem(this.fingerprint);
    if (remembered) {
      try {
        this.upload = { status_url: remembered };
        await this.refresh();
        if (this.upload.status === "uploading") {
          this.resumedBytes = this.sent;
          return;
        }
      } catch (err) { /* gone or refused: start again */ }
      this.upload = null;
      localStorage.removeItem(this.fingerprint);
    }
    this.upload = await this.json(this.startUrl, {
      method: "POST",
      body: JSON.stringify({ name: this.file.name, size: this.file.size,
                             content_type: this.file.type, last_modified: this.file.lastModified,
                             ...this.choices }),
    });
    localStorage.setItem(this.fingerprint, this.upload.status_url);
  }

  async refresh() {
    const status = await this.json(this.upload.status_url);
    this.upload = { ...this.upload, ...status };
    this.etags = new Map((status.parts || []).map((p) => [p.number, p.etag]));
  }

  async run() {
    this.controller = new AbortController();
    await this.begin();
    if (this.upload.status !== "uploading") return this.upload; // completed already
    this.onProgress(this);
    const missing = [];
    for (let n = 1; n <= this.upload.part_count; n++) if (!this.etags.has(n)) missing.push(n);
    const urls = new Map();
    const parallel = Math.max(1, this.upload.parallel || 3);
    const worker = async () => {
      while (missing.length && !this.controller.signal.aborted) {
        const number = missing.shift();
        if (!urls.has(number)) await this.fetchUrls([number, ...missing.slice(0, URL_BATCH - 1)], urls);
        await this.sendPart(number, urls);
      }
    };
    await Promise.all(Array.from({ length: parallel }, worker));
    if (this.controller.signal.aborted) throw new TransferError("Cancelled.", { retry: false });
    const parts = Array.from(this.etags, ([number, etag]) => ({ number, etag: etag || "" }));
    const status = await this.json(this.upload.status_url.replace(/\/?$/, "/complete"), {
      method: "POST", body: JSON.stringify({ parts }),
    });
    localStorage.removeItem(this.fingerprint);
    this.upload = { ...this.upload, ...status };
    return status;
  }

  async fetchUrls(numbers, urls) {
    const query = numbers.filter((n) => !urls.has(n)).join(",");
    const body = await this.json(`${this.upload.status_url}/parts?numbers=${query}`);
    for (const [number, url] of Object.entries(body.urls)) urls.set(Number(number), url);
  }

  async sendPart(number, urls) {
    const start = (number - 1) * this.upload.part_size;
    const blob = this.file.slice(start, start + this.partLength(number));
    let renewed = false;
    for (let attempt = 0; ; attempt++) {
      try {
        const etag = await this.put(urls.get(number), blob, number);
        this.etags.set(number, etag);
        this.inFlight.delete(number);
        this.onProgress(this);
        return;
      } catch (err) {
        this.inFlight.delete(number);
        this.onProgress(this);
        if (this.controller.signal.aborted) return;
        if (err.expired && !renewed) { // the URL outlived its signature: ask for a fresh one
          renewed = true;
          urls.delete(number);
          await this.fetchUrls([number], urls);
          continue;
        }
        if (!err.retry || attempt >= RETRY_DELAYS.length) throw err;
        await online(this.controller.signal);
        await sleep(RETRY_DELAYS[attempt], this.controller.signal);
      }
    }
  }

  put(url, blob, number) {
    return new Promise((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      this.requests.add(xhr);
      xhr.open("PUT", url);
      xhr.upload.onprogress = (e) => { this.inFlight.set(number, e.loaded); this.onProgress(this); };
      xhr.onload = () => {
        this.requests.delete(xhr);
        if (xhr.status >= 200 && xhr.status < 300) {
          // S3 shows the ETag only if the bucket's CORS exposes it; the server fills it in if not.
          resolve((xhr.getResponseHeader("ETag") || "").replaceAll('"', ""));
          return;
        }
        let message = `Part ${number} was refused (HTTP ${xhr.status}).`;
        try { message = JSON.parse(xhr.responseText).error || message; } catch (err) { /* S3: XML */ }
        const failure = new TransferError(message, { retry: xhr.status >= 500 });
        failure.expired = xhr.status === 403;
        reject(failure);
      };
      xhr.onerror = xhr.ontimeout = () => {
        this.requests.delete(xhr);
        reject(new TransferError("The connection was lost."));
      };
      xhr.onabort = () => { this.requests.delete(xhr); reject(new TransferError("Cancelled.", { retry: false })); };
      xhr.send(blob);
    });
  }

  // Stop sending and let the server forget the upload (its parts and its row).
  async cancel() {
    this.controller.abort();
    for (const xhr of this.requests) xhr.abort();
    localStorage.removeItem(this.fingerprint);
    if (this.upload && this.upload.status_url) {
      try {
        await fetch(this.upload.status_url, { method: "DELETE", credentials: "same-origin",
                                              headers: { "X-CSRFToken": this.csrf } });
      } catch (err) { /* the sweep of abandoned uploads clears it */ }
    }
    this.upload = null;
    this.etags.clear();
  }
}
