#!/usr/bin/env python3
"""cespec adapter for the Python CloudEvents SDK (`cloudevents` 2.x, the
`cloudevents.core` API).

Two ways to drive it, both with the echo semantic of DESIGN.md section 5:

    python adapter.py serve --port 0   # HTTP echo server on 127.0.0.1
    python adapter.py stdio            # JSON-lines child-process protocol

The adapter is thin: it hands raw headers and bodies to the SDK's own
binding functions and writes back exactly what the SDK's encoders return.
The only glue is what turning wire bytes into the SDK's types requires
(see README.md, "Glue decisions").
"""

import argparse
import base64
import binascii
import json
import re
import sys
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import cloudevents
from cloudevents.core.bindings import http as ce_http
from cloudevents.core.bindings import kafka as ce_kafka
from cloudevents.core.formats.json import JSONFormat

NAME = "python-sdk"
LANGUAGE = "python"
SDK_VERSION = getattr(cloudevents, "__version__", "unknown")

# What cloudevents 2.2.0 can do on its own. No batch: the SDK has neither a
# batch reader nor a batch writer (sdk-python issue #130, PR #299 open).
CAPABILITIES = [
    "http-binary",
    "http-structured",
    "kafka-binary",
    "kafka-structured",
    "json",
    "specversion-0.3",
]

MEDIA_CE_BATCH = "application/cloudevents-batch+json"
# The largest chunk the adapter's own chunked reader buffers (64 MiB).
MAX_CHUNK = 64 * 1024 * 1024

# stdio exit statuses when an echo cannot be answered at all.
EXIT_PROTOCOL = 2  # the request could not be read
EXIT_ADAPTER_BUG = 4  # an unexpected exception in the adapter itself

# Header values that cannot go on an HTTP wire: control characters other
# than HTAB (RFC 9110 field-value). CR/LF would inject header lines.
_BAD_FIELD_VALUE = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
_TOKEN = re.compile(r"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$")


class Unsupported(Exception):
    """The SDK cannot produce (or read) this encoding."""


class EncodeFailed(Exception):
    """The SDK decoded the input but its output cannot be sent."""


def log(*args):
    print(*args, file=sys.stderr, flush=True)


# --- wire bytes <-> SDK types -------------------------------------------------


def http_headers_for_sdk(pairs):
    """Raw (name, bytes) pairs -> the dict[str, str] `HTTPMessage` takes.

    Values are decoded as ISO-8859-1, as Python's HTTP servers (http.server,
    WSGI per PEP 3333) do, so every byte survives as one character. A dict
    cannot hold repeated fields: names that differ only in case are one
    field, and repeated fields are combined with ", " (RFC 9110 section 5.3).
    The first spelling of a name is kept; the SDK lower-cases names itself.
    """
    merged = {}
    spelling = {}
    for name, value in pairs:
        text = value.decode("iso-8859-1")
        key = name.lower()
        if key in spelling:
            merged[spelling[key]] += ", " + text
        else:
            spelling[key] = name
            merged[name] = text
    return merged


def http_headers_from_sdk(headers):
    """SDK header dict -> (name, bytes) pairs as an HTTP server sends them.

    Like http.server, names and values are encoded as ISO-8859-1; a value
    that cannot be, or that holds control characters, cannot be sent.
    """
    out = []
    for name, value in headers.items():
        if not isinstance(name, str) or not _TOKEN.match(name):
            raise EncodeFailed(f"SDK produced an invalid header name {name!r}")
        if not isinstance(value, str):
            raise EncodeFailed(f"SDK produced a non-string value for header {name}: {value!r}")
        if _BAD_FIELD_VALUE.search(value):
            raise EncodeFailed(f"SDK produced a control character in header {name}: {value!r}")
        try:
            raw = value.encode("iso-8859-1")
        except UnicodeEncodeError:
            raise EncodeFailed(
                f"SDK produced a header value outside ISO-8859-1 for {name}: {value!r}"
            ) from None
        out.append((name, raw))
    return out


def kafka_headers_for_sdk(pairs):
    """Raw (name, bytes) pairs -> the dict[str, bytes] `KafkaMessage` takes.

    Kafka headers are a list; the SDK takes a dict, so a repeated name keeps
    its last value (what dict(record.headers()) gives a confluent-kafka user).
    """
    return {name: value for name, value in pairs}


def to_bytes(value, what):
    if value is None:
        return None
    if isinstance(value, (bytes, bytearray)):
        return bytes(value)
    if isinstance(value, str):
        return value.encode("utf-8")
    raise EncodeFailed(f"SDK produced a {type(value).__name__} {what}: {value!r}")


# --- SDK calls ----------------------------------------------------------------


def decode_http(headers, body):
    """Returns a list of events (always one: the SDK has no batch)."""
    return [ce_http.from_http_event(ce_http.HTTPMessage(headers=headers, body=body))]


def decode_kafka(headers, key, value):
    message = ce_kafka.KafkaMessage(headers=headers, key=key, value=value)
    return [ce_kafka.from_kafka_event(message)]


def decode_json(media_type, text):
    if media_type.split(";")[0].strip().lower() == MEDIA_CE_BATCH:
        raise Unsupported("json-batch: cloudevents %s has no JSON batch reader" % SDK_VERSION)
    return [JSONFormat().read(None, text)]


def single(events, encoding):
    if len(events) != 1:
        raise Unsupported(f"{encoding}: {len(events)} events cannot be written as one")
    return events[0]


def encode(events, encoding):
    """Returns ('http', headers-pairs, body) | ('kafka', headers, key, value) | ('json', media, text)."""
    if encoding in ("http-batch", "json-batch"):
        raise Unsupported(f"{encoding}: cloudevents {SDK_VERSION} has no batch writer")
    if encoding == "http-binary":
        msg = ce_http.to_binary_event(single(events, encoding))
        return ("http", http_headers_from_sdk(msg.headers), to_bytes(msg.body, "body") or b"")
    if encoding == "http-structured":
        msg = ce_http.to_structured_event(single(events, encoding))
        return ("http", http_headers_from_sdk(msg.headers), to_bytes(msg.body, "body") or b"")
    if encoding in ("kafka-binary", "kafka-structured"):
        event = single(events, encoding)
        if encoding == "kafka-binary":
            msg = ce_kafka.to_binary_event(event)
        else:
            msg = ce_kafka.to_structured_event(event)
        headers = [(name, to_bytes(value, f"value for header {name}")) for name, value in msg.headers.items()]
        return ("kafka", headers, to_bytes(msg.key, "key"), to_bytes(msg.value, "value"))
    if encoding == "json":
        fmt = JSONFormat()
        return ("json", fmt.get_content_type(), fmt.write(single(events, encoding)))
    raise Unsupported(f"unknown encoding {encoding!r}")


def sdk_error(exc):
    text = str(exc).strip().replace("\n", " ")
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


# --- HTTP echo server ---------------------------------------------------------

ECHO_MODES = {"binary": "http-binary", "structured": "http-structured", "batch": "http-batch"}


class EchoHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "cespec-python-sdk/" + SDK_VERSION
    quiet = True

    def log_message(self, fmt, *args):  # noqa: N802 (stdlib name)
        if not self.quiet:
            log("%s - %s" % (self.address_string(), fmt % args))

    def reply(self, status, headers, body):
        self.send_response(status)
        for name, value in headers:
            # Vetted by http_headers_from_sdk: ISO-8859-1 round-trips every byte.
            self.send_header(name, value.decode("iso-8859-1"))
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def text(self, status, message):
        self.reply(status, [("Content-Type", b"text/plain; charset=utf-8")],
                   message.encode("utf-8", "replace"))

    def read_body(self):
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            chunks = []
            while True:
                size_line = self.rfile.readline(65537)
                size = int(size_line.split(b";")[0].strip(), 16)
                # The Python SDK has no HTTP server: this reader is the
                # adapter's, so it refuses what it cannot hold (a 400, not
                # a MemoryError answered as 500 and blamed on the SDK).
                if size < 0 or size > MAX_CHUNK:
                    raise ValueError(f"chunk size {size} is over {MAX_CHUNK} bytes")
                if size == 0:
                    while self.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline(65537)
        length = self.headers.get("Content-Length")
        if not length:
            return b""
        if not length.strip().isdigit():
            raise ValueError(f"bad Content-Length {length!r}")
        return self.rfile.read(int(length))

    def do_POST(self):  # noqa: N802 (stdlib name)
        try:
            try:
                body = self.read_body()
            except (ValueError, OSError) as exc:
                self.close_connection = True
                self.text(400, f"bad request framing: {exc}")
                return
            pairs = [(n, v.encode("iso-8859-1")) for n, v in self.headers.items()]
            mode = (self.headers.get("X-Echo-Mode") or "binary").strip().lower()
            try:
                events = decode_http(http_headers_for_sdk(pairs), body)
            except Exception as exc:  # every SDK error is a rejection
                self.text(400, "rejected: " + sdk_error(exc))
                return
            if mode not in ECHO_MODES:
                self.text(422, f"unsupported: X-Echo-Mode {mode}")
                return
            try:
                _, headers, out = encode(events, ECHO_MODES[mode])
            except Unsupported as exc:
                self.text(422, f"unsupported: {exc}")
                return
            except EncodeFailed as exc:
                self.text(500, f"encode failed: {exc}")
                return
            except Exception as exc:
                self.text(500, "encode failed: " + sdk_error(exc))
                return
            self.reply(200, headers, out)
        except Exception:
            log(traceback.format_exc())
            try:
                self.close_connection = True
                self.text(500, "adapter error")
            except Exception:
                pass

    # Events may ride on any method (HTTP-GEN-3) and the SDK never looks at
    # it, so every method with a body is an echo. HEAD cannot carry a reply.
    do_GET = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = do_POST

    def do_HEAD(self):  # noqa: N802 (stdlib name)
        self.close_connection = True
        self.reply(405, [("Allow", b"POST")], b"")


def serve(port, verbose):
    EchoHandler.quiet = not verbose
    server = ThreadingHTTPServer(("127.0.0.1", port), EchoHandler)
    server.daemon_threads = True
    print(f"listening on http://127.0.0.1:{server.server_address[1]}", flush=True)
    log(f"{NAME} {SDK_VERSION}: HTTP echo server ready")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


# --- child-process JSON-lines protocol ----------------------------------------


def b64decode(text, what):
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError, TypeError):
        raise ValueError(f"{what} is not valid base64") from None


def b64(data):
    return base64.b64encode(data).decode("ascii")


def bytes_field(obj, name, required=False):
    """`name` (UTF-8 text) or `name_base64`; None when both are absent or null."""
    text, raw = obj.get(name), obj.get(name + "_base64")
    if raw is not None:
        return b64decode(raw, name + "_base64")
    if text is not None:
        return text.encode("utf-8")
    if required:
        raise ValueError(f"{name}_base64 is missing")
    return None


def parse_headers(spec):
    if spec is None:
        return []
    if isinstance(spec, dict):
        return [(str(n), str(v).encode("utf-8")) for n, v in spec.items()]
    out = []
    for item in spec:
        if isinstance(item, list) and len(item) == 2:
            out.append((item[0], item[1].encode("utf-8")))
        elif isinstance(item, dict):
            out.append((item["name"], b64decode(item["value_base64"], "value_base64")))
        else:
            raise ValueError(f"bad header item {item!r}")
    return out


def render_headers(pairs):
    out = []
    for name, value in pairs:
        try:
            out.append([name, value.decode("utf-8")])
        except UnicodeDecodeError:
            out.append({"name": name, "value_base64": b64(value)})
    return out


def render(encoded):
    kind = encoded[0]
    if kind == "http":
        return {"http": {"headers": render_headers(encoded[1]), "body_base64": b64(encoded[2])}}
    if kind == "kafka":
        record = {"headers": render_headers(encoded[1])}
        if encoded[2] is not None:
            record["key_base64"] = b64(encoded[2])
        if encoded[3] is not None:
            record["value_base64"] = b64(encoded[3])
        return {"kafka": record}
    return {"json": {"text_base64": b64(encoded[2]), "media_type": encoded[1]}}


def decode_message(message):
    """Parses the protocol's message and hands it to the SDK."""
    kinds = [k for k in ("http", "kafka", "json") if message.get(k) is not None]
    if len(kinds) != 1:
        raise ValueError("a message has exactly one of http, kafka and json")
    kind = kinds[0]
    m = message[kind]
    if kind == "http":
        pairs = parse_headers(m.get("headers"))
        body = bytes_field(m, "body") or b""
        return lambda: decode_http(http_headers_for_sdk(pairs), body)
    if kind == "kafka":
        pairs = parse_headers(m.get("headers"))
        key, value = bytes_field(m, "key"), bytes_field(m, "value")
        return lambda: decode_kafka(kafka_headers_for_sdk(pairs), key, value)
    text = bytes_field(m, "text")
    if text is None:
        if m.get("value") is None:
            raise ValueError("json: text_base64 is missing")
        text = json.dumps(m["value"], separators=(",", ":")).encode("utf-8")
    media_type = m.get("media_type") or "application/cloudevents+json"
    return lambda: decode_json(media_type, text)


class Broken(Exception):
    """Not a verdict on the input: the exchange itself failed."""

    def __init__(self, message, status):
        super().__init__(message)
        self.status = status


def handle_echo(request):
    """Returns the response line, or raises Broken.

    `ok:false` alone means the SDK rejected the input. When the SDK decoded
    the input but its output cannot be sent, the answer is `ok:false` with
    `stage: "encode"`, which cespec records as an error (never a pass, never
    a rejection), like a 5xx from the HTTP server. A request that cannot be
    read ends the process.
    """
    seq = request.get("seq")
    try:
        run_sdk = decode_message(request.get("message") or {})
        reply = request.get("reply") or "http-binary"
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise Broken(f"protocol: bad echo request (seq {seq}): {exc}", EXIT_PROTOCOL) from None
    try:
        events = run_sdk()
    except Unsupported as exc:
        return {"seq": seq, "ok": False, "error": f"unsupported: {exc}"}
    except Exception as exc:  # every SDK error is a rejection
        return {"seq": seq, "ok": False, "error": sdk_error(exc)}
    try:
        return {"seq": seq, "ok": True, "message": render(encode(events, reply))}
    except Unsupported as exc:
        return {"seq": seq, "ok": False, "error": f"unsupported: {exc}"}
    except EncodeFailed as exc:
        return {"seq": seq, "ok": False, "error": f"encode failed: {exc}", "stage": "encode"}
    except Exception as exc:
        return {"seq": seq, "ok": False, "error": f"encode failed: {sdk_error(exc)}",
                "stage": "encode"}


def stdio():
    out = sys.stdout
    sys.stdout = sys.stderr  # nothing but protocol lines may reach the real stdout

    def send(obj):
        out.write(json.dumps(obj, separators=(",", ":")) + "\n")
        out.flush()

    for raw in sys.stdin.buffer:
        line = raw.strip()
        if not line:
            continue
        try:
            request = json.loads(line)
            if not isinstance(request, dict):
                raise ValueError("a request is a JSON object")
        except ValueError as exc:
            send({"ok": False, "error": f"protocol: unreadable request line: {exc}"})
            continue
        kind = request.get("type")
        if kind == "start":
            send({"type": "started", "name": NAME, "language": LANGUAGE,
                  "version": SDK_VERSION, "capabilities": CAPABILITIES})
        elif kind == "echo":
            try:
                send(handle_echo(request))
            except Broken as exc:
                log(str(exc))
                return exc.status
            except Exception:
                log("adapter error:\n" + traceback.format_exc())
                return EXIT_ADAPTER_BUG
        elif kind == "stop":
            return 0
        else:
            send({"seq": request.get("seq"), "ok": False,
                  "error": f"protocol: unknown request type {kind!r}"})
    return 0


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p_serve = sub.add_parser("serve", help="HTTP echo server on 127.0.0.1")
    p_serve.add_argument("--port", type=int, default=0, help="0 picks a free port")
    p_serve.add_argument("--verbose", action="store_true", help="log requests to stderr")
    sub.add_parser("stdio", help="JSON-lines protocol on stdin/stdout")
    args = parser.parse_args(argv)
    if args.command == "serve":
        return serve(args.port, args.verbose)
    return stdio()


if __name__ == "__main__":
    sys.exit(main())
