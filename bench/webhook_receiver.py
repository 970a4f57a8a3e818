"""A webhook receiver for bench/webhooks.sh: answers 204 to every POST, verifies each signature
(as docs/changes.md says a receiver should), and exits once it has seen change `target`,
printing the Unix time of the first and the last request, the requests and the changes.

   python3 bench/webhook_receiver.py PORT SECRET TARGET_CURSOR"""

import base64
import hashlib
import hmac
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

port, secret, target = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
key = base64.b64decode(secret.removeprefix("whsec_"))
state = {"first": None, "last": None, "requests": 0, "changes": 0, "bad": 0, "seen": 0}
lock = threading.Lock()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        body = self.rfile.read(int(self.headers["content-length"]))
        signed = f"{self.headers['webhook-id']}.{self.headers['webhook-timestamp']}.".encode() + body
        expected = "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
        good = any(hmac.compare_digest(expected, s) for s in self.headers["webhook-signature"].split(" "))
        changes = json.loads(body)["changes"]
        with lock:
            now = time.time()
            state["first"] = state["first"] or now
            state["last"] = now
            state["requests"] += 1
            state["changes"] += len(changes)
            state["bad"] += 0 if good else 1
            state["seen"] = max([state["seen"]] + [int(c["cursor"]) for c in changes])
            done = state["seen"] >= target
        self.send_response(204 if good else 401)
        self.send_header("content-length", "0")
        self.end_headers()
        if done:
            threading.Thread(target=self.server.shutdown).start()

    def log_message(self, *args):
        pass


server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
server.serve_forever()
print(json.dumps(state))
