#!/usr/bin/env python3
"""Alert mails of the real binary against an SMTP sink (aiosmtpd) on loopback.

    alerts_check.py BIN DATABASE_URL

The database holds the demo data (scripts/test.sh, stage "reminder mails", which runs this
after reminders_check.py). Starts `BIN serve` with the alert worker polling fast, saves a
search with an address (double opt-in), follows the confirmation mail's link, changes a demo
plot so that it newly matches, and waits for the digest: recipient, subject, language, the
plot's profile link, `List-Unsubscribe` + `List-Unsubscribe-Post` (RFC 8058). Then the
one-click POST must end the subscription, and no address may reach the server's log. The
sink and the server stop with this script.
"""

import email
import email.policy
import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

from aiosmtpd.controller import Controller

ADDRESS = "alert-check@mail-check.example"
WORD = "Alarmprobe"


class Inbox:
    def __init__(self):
        self.mails = []

    async def handle_DATA(self, server, session, envelope):
        self.mails.append((list(envelope.rcpt_tos), envelope.content))
        return "250 OK"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def call(method, url, body=None, token=None, headers=None, form=None):
    data = None
    headers = dict(headers or {})
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    if form is not None:
        data = form.encode()
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as r:
            return r.status, r.read().decode(), dict(r.headers)
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode(), dict(e.headers)


def wait_for(inbox, n, seconds):
    deadline = time.time() + seconds
    while time.time() < deadline and len(inbox.mails) < n:
        time.sleep(0.2)
    if len(inbox.mails) < n:
        sys.exit(f"FAIL: {len(inbox.mails)} mails after {seconds} s, expected {n}")
    rcpt, content = inbox.mails[n - 1]
    return rcpt, email.message_from_bytes(content, policy=email.policy.default)


def main():
    bin_path, database_url = sys.argv[1], sys.argv[2]
    env = dict(os.environ, DATABASE_URL=database_url, RUST_LOG="info", GWF_LOG_FORMAT="json")
    subprocess.run([bin_path, "user", "add", "--email", "alert-admin@mail-check.example",
                    "--name", "Alert check", "--role", "admin"], env=env, check=True,
                   capture_output=True, timeout=60)
    token = subprocess.run([bin_path, "user", "token", "--email", "alert-admin@mail-check.example",
                            "--name", "alert-check", "--days", "1"], env=env, check=True,
                           capture_output=True, text=True, timeout=60).stdout.strip()
    inbox = Inbox()
    smtp_port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server_env = dict(env, GWF_BIND=f"127.0.0.1:{port}", GWF_PUBLIC_URL=base,
                      GWF_SMTP_URL=f"smtp://127.0.0.1:{smtp_port}",
                      GWF_MAIL_FROM="Gewerbeflächen Test <noreply@mail-check.example>",
                      GWF_ALERT_POLL_MS="200", GWF_WORKERS="1")
    log_path = os.path.join(os.environ.get("GWF_ARTIFACTS", "/tmp"), "alerts-check-server.log")
    with open(log_path, "w") as log:
        server = subprocess.Popen([bin_path, "serve"], env=server_env, stdout=log, stderr=log,
                                  stdin=subprocess.DEVNULL)
    try:
        for _ in range(240):
            try:
                if call("GET", f"{base}/readyz")[0] == 200:
                    break
            except OSError:
                pass
            time.sleep(0.25)
        else:
            sys.exit("FAIL: the server did not become ready")
        problems = check(base, token, inbox)
    finally:
        server.terminate()
        server.wait(timeout=30)
        controller.stop()
    with open(log_path) as log:
        if ADDRESS in log.read():
            problems.append(f"the address reached the server's log ({log_path})")
    if problems:
        print("FAIL: alert mails:\n  " + "\n  ".join(problems), file=sys.stderr)
        sys.exit(1)
    print("alert mails: OK (confirmation, digest with RFC 8058 headers, one-click unsubscribe)")


def check(base, token, inbox):
    problems = []
    status, text, _ = call("POST", f"{base}/saved-searches", {
        "search": {"q": WORD}, "email": ADDRESS, "language": "de",
        "consent": {"accepted": True, "version": "2026-12"}})
    if status != 201:
        return [f"POST /saved-searches: {status} {text}"]
    saved = json.loads(text)
    rcpt, confirmation = wait_for(inbox, 1, 20)
    if rcpt != [ADDRESS] or "bestätigen" not in str(confirmation["Subject"]):
        problems.append(f"confirmation: to {rcpt}, subject {confirmation['Subject']!r}")
    body = confirmation.get_body(("plain",)).get_content()
    confirm = re.search(re.escape(base) + r"/saved-searches/gwf_[0-9a-f]{64}/confirm", body)
    if not confirm:
        return problems + [f"no confirm link in {body!r}"]
    status, _, _ = call("POST", confirm.group(0))
    if status != 200:
        problems.append(f"confirm: {status}")

    # A demo plot now mentions the word: it newly matches.
    status, text, _ = call("GET", f"{base}/plots?limit=1&status=available&fields=reference", token=token)
    reference = json.loads(text)["items"][0]["reference"]
    status, text, headers = call("GET", f"{base}/plots/{reference}", token=token)
    version = json.loads(text)["version"]
    status, text, _ = call("PATCH", f"{base}/plots/{reference}", {"title_de": f"{WORD} Gewerbefläche"},
                           token=token, headers={"If-Match": f'"{version}"'})
    if status != 200:
        return problems + [f"PATCH {reference}: {status} {text}"]

    rcpt, digest = wait_for(inbox, 2, 60)
    if rcpt != [ADDRESS]:
        problems.append(f"digest to {rcpt}")
    if str(digest["Subject"]) != "1 neue passende Gewerbefläche":
        problems.append(f"digest subject {digest['Subject']!r}")
    if digest["Content-Language"] != "de":
        problems.append(f"digest Content-Language {digest['Content-Language']!r}")
    if digest["List-Unsubscribe-Post"] != "List-Unsubscribe=One-Click":
        problems.append(f"List-Unsubscribe-Post {digest['List-Unsubscribe-Post']!r}")
    unsubscribe = str(digest["List-Unsubscribe"] or "").strip("<>")
    if not re.fullmatch(re.escape(base) + r"/saved-searches/gwf_[0-9a-f]{64}/unsubscribe", unsubscribe):
        problems.append(f"List-Unsubscribe {digest['List-Unsubscribe']!r}")
    text = digest.get_body(("plain",)).get_content()
    if f"{base}/plots/{reference}/profile?lang=de" not in text or unsubscribe not in text:
        problems.append(f"the digest lacks the plot's page or the unsubscribe link: {text!r}")
    status, _, _ = call("POST", unsubscribe, form="List-Unsubscribe=One-Click")
    if status != 200:
        problems.append(f"one-click unsubscribe: {status}")
    status, _, _ = call("GET", saved["feed_url"])
    if status != 404:
        problems.append(f"the feed after unsubscribing: {status}, expected 404")
    return problems


if __name__ == "__main__":
    main()
