#!/usr/bin/env python3
"""Reminder mails of the real binary against an SMTP sink (aiosmtpd) on loopback.

    reminders_check.py BIN DATABASE_URL

The database holds the demo data and two editors (scripts/test.sh, stage "reminder mails"):
editor-de@mail-check.example (German) for Grabow and editor-en@mail-check.example (English) for
Ludwigslust. Runs `BIN reminders send` twice: the first run must mail each editor their town's
digest (recipient, subject, language, link to GWF_PUBLIC_URL), the second nothing. The sink runs
in this process and stops with it.
"""

import email
import email.policy
import os
import socket
import subprocess
import sys

from aiosmtpd.controller import Controller

PUBLIC_URL = "https://flaechen.test.example"


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


def send(bin_path, database_url, port):
    env = dict(os.environ, DATABASE_URL=database_url, GWF_SMTP_URL=f"smtp://127.0.0.1:{port}",
               GWF_MAIL_FROM="Gewerbeflächen Test <noreply@mail-check.example>",
               GWF_PUBLIC_URL=PUBLIC_URL, RUST_LOG="info", GWF_LOG_FORMAT="json")
    done = subprocess.run([bin_path, "reminders", "send"], env=env, capture_output=True, text=True,
                          timeout=120)
    if done.returncode != 0:
        sys.exit(f"FAIL: reminders send exited {done.returncode}: {done.stdout}{done.stderr}")
    for address in ("editor-de@", "editor-en@"):
        if address in done.stdout + done.stderr:
            sys.exit(f"FAIL: an address reached the output:\n{done.stdout}{done.stderr}")
    return done.stdout.strip()


def main():
    bin_path, database_url = sys.argv[1], sys.argv[2]
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        first = send(bin_path, database_url, port)
        second = send(bin_path, database_url, port)
    finally:
        controller.stop()

    problems = []
    by_recipient = {}
    for rcpt, content in inbox.mails:
        msg = email.message_from_bytes(content, policy=email.policy.default)
        for to in rcpt:
            by_recipient.setdefault(to, []).append(msg)
    expected = {
        "editor-de@mail-check.example": ("de", "Flächendaten Grabow:", "Guten Tag,",
                                         f"{PUBLIC_URL}/monitoring?f=html&lang=de"),
        "editor-en@mail-check.example": ("en", "Plot data Ludwigslust:", "Hello,",
                                         f"{PUBLIC_URL}/monitoring?f=html&lang=en"),
    }
    if set(by_recipient) != set(expected):
        problems.append(f"recipients {sorted(by_recipient)}, expected {sorted(expected)}")
    for to, (lang, subject, greeting, link) in expected.items():
        msgs = by_recipient.get(to, [])
        if len(msgs) != 1:
            problems.append(f"{to}: {len(msgs)} mails, expected 1")
            continue
        msg = msgs[0]
        if not str(msg["Subject"]).startswith(subject):
            problems.append(f"{to}: subject {msg['Subject']!r}, expected {subject!r}…")
        if msg["Content-Language"] != lang:
            problems.append(f"{to}: Content-Language {msg['Content-Language']!r}, expected {lang}")
        if msg.get_content_type() != "multipart/alternative":
            problems.append(f"{to}: {msg.get_content_type()}, expected multipart/alternative")
            continue
        text = msg.get_body(("plain",)).get_content()
        html = msg.get_body(("html",)).get_content()
        if not text.startswith(greeting):
            problems.append(f"{to}: the text starts {text[:30]!r}, expected {greeting!r}")
        if f"{PUBLIC_URL}/monitoring/freshness" not in text or link not in text:
            problems.append(f"{to}: the text lacks the links to {PUBLIC_URL}")
        if f'lang="{lang}"' not in html or link.replace("&", "&amp;") not in html:
            problems.append(f"{to}: the HTML lacks lang={lang} or the report link")
    if "0 digests due" not in second:
        problems.append(f"the second run sent again: {second!r}")
    if problems:
        print("FAIL: reminder mails:\n  " + "\n  ".join(problems), file=sys.stderr)
        sys.exit(1)
    print(f"reminder mails: OK (first run: {first}; second run: {second})")


if __name__ == "__main__":
    main()
