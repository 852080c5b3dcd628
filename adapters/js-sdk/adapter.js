#!/usr/bin/env node
/*
 * cespec adapter for the JavaScript CloudEvents SDK (npm `cloudevents` 10.x).
 *
 * Two ways to drive it, both with the echo semantic of DESIGN.md section 5:
 *
 *   node adapter.js serve --port 0   # HTTP echo server on 127.0.0.1
 *   node adapter.js stdio            # JSON-lines child-process protocol
 *
 * Options: --adapter-batch turns on an adapter-supplied batch writer
 * (the SDK reads batches but cannot write them); off by default.
 *
 * The adapter is thin: raw headers and bodies go to the SDK's own bindings
 * (HTTP.toEvent, Kafka.toEvent) and what its encoders return (HTTP.binary,
 * HTTP.structured, Kafka.binary, Kafka.structured, CloudEvent#toString) is
 * written back. The glue that remains is listed in README.md.
 */
"use strict";

const http = require("http");
const fs = require("fs");
const path = require("path");
const readline = require("readline");
const { types } = require("util");
const { HTTP, Kafka } = require("cloudevents");

const NAME = "js-sdk";
const LANGUAGE = "javascript";
const SDK_VERSION = (() => {
  try {
    const pkg = path.join(path.dirname(require.resolve("cloudevents")), "..", "package.json");
    return JSON.parse(fs.readFileSync(pkg, "utf8")).version;
  } catch (e) {
    return "unknown";
  }
})();

const MEDIA_CE_JSON = "application/cloudevents+json";
const MEDIA_CE_BATCH = "application/cloudevents-batch+json";

class Unsupported extends Error {}
class EncodeFailed extends Error {}

const log = (...args) => process.stderr.write(args.join(" ") + "\n");
// Nothing but protocol lines may reach stdout.
console.log = console.info = console.debug = console.warn = (...a) => log(...a.map(String));

function parseArgs(argv) {
  const opts = { command: undefined, port: 0, batch: false };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--port") opts.port = Number(argv[++i]);
    else if (argv[i].startsWith("--port=")) opts.port = Number(argv[i].slice(7));
    else if (argv[i] === "--adapter-batch") opts.batch = true;
    else if (!argv[i].startsWith("-") && opts.command === undefined) opts.command = argv[i];
    else throw new Error(`unknown argument ${argv[i]}`);
  }
  if (!["serve", "stdio"].includes(opts.command) || !Number.isInteger(opts.port) || opts.port < 0 || opts.port > 65535) {
    throw new Error("usage: node adapter.js serve [--port N] [--adapter-batch] | node adapter.js stdio [--adapter-batch]");
  }
  return opts;
}

function capabilities(batch) {
  const caps = ["http-binary", "http-structured", "kafka-binary", "kafka-structured", "json", "specversion-0.3",
    // The SDK's Message body may be a number, boolean, object or Uint32Array;
    // the adapter turns it into bytes (see README).
    "adapter:body-bytes"];
  if (batch) caps.push("http-batch", "json-batch", "adapter:batch-writer");
  return caps;
}

// --- wire bytes <-> SDK types -------------------------------------------------

/*
 * Raw [name, Buffer] pairs -> the headers object Node's http server gives an
 * application (req.headers): names lower-cased, values decoded as latin1,
 * repeated fields combined by Node's documented rules. In `serve` mode Node
 * itself does this; `stdio` uses this function so both modes feed the SDK
 * the same thing.
 */
const DISCARD_DUPLICATES = new Set(["age", "authorization", "content-length", "content-type", "etag", "expires",
  "from", "host", "if-modified-since", "if-unmodified-since", "last-modified", "location", "max-forwards",
  "proxy-authorization", "referer", "retry-after", "server", "user-agent"]);

function nodeRequestHeaders(pairs) {
  const out = {};
  for (const [rawName, rawValue] of pairs) {
    const name = rawName.toLowerCase();
    const value = rawValue.toString("latin1");
    if (!(name in out)) {
      out[name] = name === "set-cookie" ? [value] : value;
    } else if (name === "set-cookie") {
      out[name].push(value);
    } else if (DISCARD_DUPLICATES.has(name)) {
      // Node keeps the first.
    } else {
      out[name] += (name === "cookie" ? "; " : ", ") + value;
    }
  }
  return out;
}

/*
 * The SDK parses string bodies and keeps Buffers as binary data; a Buffer
 * breaks its structured-mode parser. So the body goes in as a UTF-8 string
 * when the Content-Type is absent, JSON, +json or text/*, and as a Buffer
 * otherwise (what express.json/.text/.raw would give).
 */
function requestBody(headers, raw) {
  const ct = headers["content-type"];
  const media = (typeof ct === "string" ? ct : "").split(";")[0].trim().toLowerCase();
  const textual = media === "" || media === "application/json" || media.endsWith("+json") || media.startsWith("text/");
  return textual ? raw.toString("utf8") : raw;
}

/* An SDK Message body (unknown type) -> bytes. */
function bodyBytes(body) {
  if (body === undefined) return Buffer.alloc(0);
  if (typeof body === "string") return Buffer.from(body, "utf8");
  if (Buffer.isBuffer(body)) return body;
  // data_base64 arrives as a Uint32Array with one byte per element
  // (sdk-javascript PR #644): Buffer.from copies element by element.
  if (types.isTypedArray(body)) return Buffer.from(body);
  if (typeof body === "number" || typeof body === "boolean" || typeof body === "bigint") return Buffer.from(String(body), "utf8");
  return Buffer.from(JSON.stringify(body) ?? "", "utf8");
}

/*
 * SDK headers -> [name, Buffer] pairs as Node's http server would send
 * them: values String()-ed, arrays as repeated fields, validated by Node's
 * own http.validateHeaderName/Value (a throw is an encode failure), written
 * as latin1.
 */
function nodeResponseHeaders(headers) {
  const out = [];
  for (const [name, value] of Object.entries(headers)) {
    try {
      http.validateHeaderName(name);
      http.validateHeaderValue(name, value);
    } catch (e) {
      throw new EncodeFailed(`SDK header ${name}: ${e.code || e.name}: ${e.message}`);
    }
    for (const v of Array.isArray(value) ? value : [value]) {
      const text = String(v);
      try {
        http.validateHeaderValue(name, text);
      } catch (e) {
        throw new EncodeFailed(`SDK header ${name}: ${e.code || e.name}: ${e.message}`);
      }
      out.push([name, Buffer.from(text, "latin1")]);
    }
  }
  return out;
}

/*
 * Raw Kafka headers -> what the SDK's own Kafka example hands Kafka.toEvent:
 * kafkajs gives Buffers (an array for a repeated name), and the example
 * turns each into a string with toString().
 */
function kafkaHeaders(pairs) {
  const grouped = {};
  for (const [name, value] of pairs) {
    if (!(name in grouped)) grouped[name] = value;
    else if (Array.isArray(grouped[name])) grouped[name].push(value);
    else grouped[name] = [grouped[name], value];
  }
  const out = {};
  for (const [name, value] of Object.entries(grouped)) out[name] = value.toString();
  return out;
}

/* An SDK Kafka header value / key -> bytes, as a kafkajs producer writes it; null/undefined -> null. */
function kafkaBytes(value) {
  if (value === undefined || value === null) return null;
  if (Buffer.isBuffer(value)) return value;
  if (types.isTypedArray(value)) return Buffer.from(value);
  return Buffer.from(String(value), "utf8");
}

// --- SDK calls ----------------------------------------------------------------

const asList = (decoded) => ({ events: Array.isArray(decoded) ? decoded : [decoded], batch: Array.isArray(decoded) });

function decodeHttp(headers, body) {
  return asList(HTTP.toEvent({ headers, body }));
}

function decodeKafka(headers, key, value) {
  return asList(Kafka.toEvent({ headers, key, value }));
}

/* The SDK has no format-level parser: a JSON document goes through HTTP.toEvent with its media type. */
function decodeJson(mediaType, text) {
  return asList(HTTP.toEvent({ headers: { "content-type": mediaType }, body: text.toString("utf8") }));
}

function single(decoded, encoding) {
  if (decoded.batch || decoded.events.length !== 1) {
    throw new Unsupported(`${encoding}: a batch of ${decoded.events.length} events cannot be written as one event`);
  }
  return decoded.events[0];
}

function encode(decoded, encoding, opts) {
  switch (encoding) {
    case "http-binary":
    case "http-structured": {
      const msg = (encoding === "http-binary" ? HTTP.binary : HTTP.structured)(single(decoded, encoding));
      return { kind: "http", headers: nodeResponseHeaders(msg.headers), body: bodyBytes(msg.body) };
    }
    case "kafka-binary":
    case "kafka-structured": {
      const msg = (encoding === "kafka-binary" ? Kafka.binary : Kafka.structured)(single(decoded, encoding));
      const headers = [];
      for (const [name, value] of Object.entries(msg.headers)) {
        const bytes = kafkaBytes(value);
        // The protocol has no null header value: an undefined one (content-type
        // when there is no datacontenttype) is left out.
        if (bytes !== null) headers.push([name, bytes]);
      }
      const value = msg.value === undefined || msg.value === null ? null : bodyBytes(msg.value);
      return { kind: "kafka", headers, key: kafkaBytes(msg.key), value };
    }
    case "json":
      return { kind: "json", mediaType: MEDIA_CE_JSON, text: Buffer.from(single(decoded, encoding).toString(), "utf8") };
    case "http-batch":
    case "json-batch": {
      if (!opts.batch) throw new Unsupported(`${encoding}: cloudevents ${SDK_VERSION} has no batch writer`);
      // Adapter-supplied: the SDK's own per-event JSON (toJSON) in an array.
      const text = Buffer.from(JSON.stringify(decoded.events), "utf8");
      return encoding === "json-batch"
        ? { kind: "json", mediaType: MEDIA_CE_BATCH, text }
        : { kind: "http", headers: [["content-type", Buffer.from(MEDIA_CE_BATCH, "latin1")]], body: text };
    }
    default:
      throw new Unsupported(`unknown encoding ${JSON.stringify(encoding)}`);
  }
}

function sdkError(e) {
  if (e instanceof Error) {
    let text = `${e.name}: ${e.message}`;
    if (Array.isArray(e.errors) && e.errors.length) text += ` ${JSON.stringify(e.errors)}`;
    return text.replace(/\s+/g, " ").trim();
  }
  return String(e);
}

// --- HTTP echo server ---------------------------------------------------------

const ECHO_MODES = { binary: "http-binary", structured: "http-structured", batch: "http-batch" };

function serve(opts) {
  const server = http.createServer((req, res) => {
    const text = (status, message) => {
      const body = Buffer.from(message, "utf8");
      res.writeHead(status, { "content-type": "text/plain; charset=utf-8", "content-length": body.length });
      res.end(body);
    };
    // Events may ride on any method (HTTP-GEN-3) and the SDK never looks at
    // it, so every method is an echo; HEAD cannot carry a reply.
    if (req.method === "HEAD") {
      res.writeHead(405, { allow: "POST", "content-length": 0 });
      res.end();
      req.resume();
      return;
    }
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("error", () => {});
    req.on("end", () => {
      try {
        const raw = Buffer.concat(chunks);
        const modeHeader = req.headers["x-echo-mode"];
        const mode = (typeof modeHeader === "string" ? modeHeader : "binary").trim().toLowerCase();
        let decoded;
        try {
          decoded = decodeHttp(req.headers, requestBody(req.headers, raw));
        } catch (e) {
          return text(400, `rejected: ${sdkError(e)}`);
        }
        if (!(mode in ECHO_MODES)) return text(422, `unsupported: X-Echo-Mode ${mode}`);
        let out;
        try {
          out = encode(decoded, ECHO_MODES[mode], opts);
        } catch (e) {
          if (e instanceof Unsupported) return text(422, `unsupported: ${e.message}`);
          if (e instanceof EncodeFailed) return text(500, `encode failed: ${e.message}`);
          return text(500, `encode failed: ${sdkError(e)}`);
        }
        // Names as the SDK wrote them; values already validated, sent as latin1
        // (the body goes as a Buffer so Node writes the header block in latin1).
        const headerList = [];
        for (const [name, value] of out.headers) headerList.push(name, value.toString("latin1"));
        headerList.push("content-length", String(out.body.length));
        res.writeHead(200, headerList);
        res.end(out.body);
      } catch (e) {
        log(e && e.stack ? e.stack : String(e));
        if (!res.headersSent) text(500, "adapter error");
        else res.destroy();
      }
    });
  });
  server.on("clientError", (err, socket) => {
    if (socket.writable) socket.end("HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
    else socket.destroy();
  });
  server.listen(opts.port, "127.0.0.1", () => {
    process.stdout.write(`listening on http://127.0.0.1:${server.address().port}\n`);
    log(`${NAME} ${SDK_VERSION}: HTTP echo server ready`);
  });
  const stop = () => server.close(() => process.exit(0));
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}

// --- child-process JSON-lines protocol ----------------------------------------

function b64decode(text, what) {
  if (typeof text !== "string" || !/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0) {
    throw new Error(`${what} is not valid base64`);
  }
  return Buffer.from(text, "base64");
}

/* `name` (UTF-8 text) or `name_base64`; null when both are absent. */
function bytesField(obj, name) {
  if (obj[`${name}_base64`] !== undefined && obj[`${name}_base64`] !== null) return b64decode(obj[`${name}_base64`], `${name}_base64`);
  if (obj[name] !== undefined && obj[name] !== null) return Buffer.from(String(obj[name]), "utf8");
  return null;
}

function parseHeaders(spec) {
  if (spec === undefined || spec === null) return [];
  if (!Array.isArray(spec)) return Object.entries(spec).map(([n, v]) => [n, Buffer.from(String(v), "utf8")]);
  return spec.map((item) => {
    if (Array.isArray(item) && item.length === 2) return [String(item[0]), Buffer.from(String(item[1]), "utf8")];
    if (item && typeof item === "object" && typeof item.name === "string") return [item.name, b64decode(item.value_base64, "value_base64")];
    throw new Error(`bad header item ${JSON.stringify(item)}`);
  });
}

function renderHeaders(pairs) {
  const decoder = new TextDecoder("utf-8", { fatal: true });
  return pairs.map(([name, value]) => {
    try {
      return [name, decoder.decode(value)];
    } catch (e) {
      return { name, value_base64: value.toString("base64") };
    }
  });
}

function render(out) {
  if (out.kind === "http") return { http: { headers: renderHeaders(out.headers), body_base64: out.body.toString("base64") } };
  if (out.kind === "kafka") {
    const record = { headers: renderHeaders(out.headers) };
    if (out.key !== null) record.key_base64 = out.key.toString("base64");
    if (out.value !== null) record.value_base64 = out.value.toString("base64");
    return { kafka: record };
  }
  return { json: { text_base64: out.text.toString("base64"), media_type: out.mediaType } };
}

/* Parses the protocol's message; returns a thunk that calls the SDK. */
function prepare(message) {
  const kinds = ["http", "kafka", "json"].filter((k) => message && message[k] !== undefined && message[k] !== null);
  if (kinds.length !== 1) throw new Error("a message has exactly one of http, kafka and json");
  const m = message[kinds[0]];
  if (kinds[0] === "http") {
    const headers = nodeRequestHeaders(parseHeaders(m.headers));
    const body = requestBody(headers, bytesField(m, "body") || Buffer.alloc(0));
    return () => decodeHttp(headers, body);
  }
  if (kinds[0] === "kafka") {
    const headers = kafkaHeaders(parseHeaders(m.headers));
    const key = bytesField(m, "key");
    const value = bytesField(m, "value");
    return () => decodeKafka(headers, key, value);
  }
  let text = bytesField(m, "text");
  if (text === null) {
    if (m.value === undefined) throw new Error("json: text_base64 is missing");
    text = Buffer.from(JSON.stringify(m.value), "utf8");
  }
  const mediaType = m.media_type || MEDIA_CE_JSON;
  return () => decodeJson(mediaType, text);
}

/* stdio exit statuses when an echo cannot be answered at all. */
const EXIT_PROTOCOL = 2; // the request could not be read
const EXIT_ADAPTER_BUG = 4; // an unexpected exception in the adapter itself

class Broken extends Error {
  constructor(message, status) {
    super(message);
    this.status = status;
  }
}

/*
 * Returns the response line, or throws Broken. `ok:false` alone means the
 * SDK rejected the input. When the SDK decoded the input but its output
 * cannot be sent, the answer is `ok:false` with `stage: "encode"`, which
 * cespec records as an error (never a pass, never a rejection), like a 5xx
 * from `serve`. A request that cannot be read ends the process.
 */
function handleEcho(request, opts) {
  const seq = request.seq;
  const reply = request.reply || "http-binary";
  let runSdk;
  try {
    runSdk = prepare(request.message);
  } catch (e) {
    throw new Broken(`protocol: bad echo request (seq ${seq}): ${e.message}`, EXIT_PROTOCOL);
  }
  let decoded;
  try {
    decoded = runSdk();
  } catch (e) {
    return { seq, ok: false, error: sdkError(e) };
  }
  try {
    return { seq, ok: true, message: render(encode(decoded, reply, opts)) };
  } catch (e) {
    if (e instanceof Unsupported) return { seq, ok: false, error: `unsupported: ${e.message}` };
    const why = e instanceof EncodeFailed ? e.message : sdkError(e);
    return { seq, ok: false, error: `encode failed: ${why}`, stage: "encode" };
  }
}

function stdio(opts) {
  const send = (obj) => process.stdout.write(JSON.stringify(obj) + "\n");
  const rl = readline.createInterface({ input: process.stdin, crlfDelay: Infinity, terminal: false });
  let stopping = false;
  let exitStatus = 0;
  rl.on("line", (line) => {
    if (stopping || !line.trim()) return;
    let request;
    try {
      request = JSON.parse(line);
      if (!request || typeof request !== "object" || Array.isArray(request)) throw new Error("a request is a JSON object");
    } catch (e) {
      return send({ ok: false, error: `protocol: unreadable request line: ${e.message}` });
    }
    switch (request.type) {
      case "start":
        return send({
          type: "started",
          name: NAME,
          language: LANGUAGE,
          // The opt-in batch writer is adapter glue: say so where reports show it.
          version: opts.batch ? `${SDK_VERSION}+adapter-batch` : SDK_VERSION,
          capabilities: capabilities(opts.batch),
        });
      case "echo": {
        let response;
        try {
          response = handleEcho(request, opts);
        } catch (e) {
          if (e instanceof Broken) log(e.message);
          else log(`adapter error: ${e && e.stack ? e.stack : String(e)}`);
          exitStatus = e instanceof Broken ? e.status : EXIT_ADAPTER_BUG;
          stopping = true;
          rl.close();
          return undefined;
        }
        return send(response);
      }
      case "stop":
        stopping = true;
        rl.close();
        return undefined;
      default:
        return send({ seq: request.seq, ok: false, error: `protocol: unknown request type ${JSON.stringify(request.type)}` });
    }
  });
  // Exit once stdout has drained: 0 on stop or at end of input, non-zero
  // after an echo that could not be answered with a verdict.
  rl.on("close", () => process.stdout.write("", () => process.exit(exitStatus)));
}

function main() {
  let opts;
  try {
    opts = parseArgs(process.argv.slice(2));
  } catch (e) {
    log(e.message);
    process.exit(2);
  }
  if (opts.command === "serve") serve(opts);
  else stdio(opts);
}

main();
