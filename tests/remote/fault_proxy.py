"""A small HTTP proxy placed between bert-infer and a real Triton server that spoils the
responses on purpose: truncated bodies, shapes that do not match the batch, binary parts
shorter than their header says, HTTP 503s, responses slower than the client's time-out.

Each request is forwarded to the real server and its real response altered, so everything
but the injected fault is what Triton sends.
"""
import http.client
import http.server
import json
import socketserver
import threading
import time

MODES = ("pass", "truncate", "shape", "short", "unavailable", "slow")


class FaultProxy:
    def __init__(self, upstream_port, mode="pass", faulty_requests=None, delay_s=0.0):
        """faulty_requests: how many requests get the fault before the rest pass (None:
        all of them)."""
        assert mode in MODES, mode
        self.upstream_port = upstream_port
        self.mode = mode
        self.faulty_requests = faulty_requests
        self.delay_s = delay_s
        self.requests = 0
        self.request_bytes = 0    # bodies, as sent on the wire
        self.response_bytes = 0
        self.lock = threading.Lock()
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def handle(self):
                try:
                    super().handle()
                except ConnectionResetError:
                    pass   # the client closed a kept-alive connection: its time-out

            def do_POST(self):
                try:
                    proxy.handle(self)
                except (BrokenPipeError, ConnectionResetError):
                    pass   # the client gave up (its time-out) before the answer

            def log_message(self, *args):
                pass

        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    def next_mode(self):
        with self.lock:
            self.requests += 1
            if self.faulty_requests is not None and self.requests > self.faulty_requests:
                return "pass"
            return self.mode

    def handle(self, handler):
        body = handler.rfile.read(int(handler.headers.get("Content-Length", 0)))
        headers = {name: value for name, value in handler.headers.items()
                   if name.lower() in ("content-type", "inference-header-content-length")}
        upstream = http.client.HTTPConnection("127.0.0.1", self.upstream_port, timeout=60)
        upstream.request("POST", handler.path, body=body, headers=headers)
        response = upstream.getresponse()
        status, data = response.status, response.read()
        header_length = response.getheader("Inference-Header-Content-Length")
        upstream.close()
        mode = self.next_mode()
        with self.lock:
            self.request_bytes += len(body)
            self.response_bytes += len(data)
        if mode == "slow":
            time.sleep(self.delay_s)
        if mode == "unavailable":
            status, header_length = 503, None
            data = json.dumps({"error": "injected: server unavailable"}).encode()
        if mode in ("shape", "short") and header_length is not None:
            data, header_length = spoil(data, int(header_length), mode)
        handler.send_response(status)
        handler.send_header("Content-Type", "application/octet-stream")
        if header_length is not None:
            handler.send_header("Inference-Header-Content-Length", str(header_length))
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        if mode == "truncate":
            handler.wfile.write(data[:len(data) // 2])
            handler.wfile.flush()
            handler.close_connection = True
            return
        handler.wfile.write(data)


def spoil(data, header_length, mode):
    """shape: one more row than the batch has, with its bytes (a consistent response for
    another batch); short: the right shapes with 4 bytes of binary data missing."""
    header = json.loads(data[:header_length])
    binary = data[header_length:]
    output = header["outputs"][0]
    if mode == "shape":
        row = output["parameters"]["binary_data_size"] // output["shape"][0]
        output["shape"][0] += 1
        output["parameters"]["binary_data_size"] += row
        binary = binary[:row] + binary
    else:
        binary = binary[:-4]
    new_header = json.dumps(header).encode()
    return new_header + binary, len(new_header)
