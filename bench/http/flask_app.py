"""The original backend's three endpoints in Flask, the baseline bench/http compares the Fastify backend with."""

import socket
import time
from datetime import datetime, timezone

from flask import Flask, jsonify

app = Flask(__name__)
STARTED = time.monotonic()
ITEMS = ["item1", "item2", "item3"]


def now_iso():
    # Same shape as the backend: ISO 8601 UTC with milliseconds and a trailing Z.
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@app.get("/")
def root():
    return jsonify(status="healthy", service="backend", hostname=socket.gethostname(), timestamp=now_iso())


@app.get("/api/data")
def data():
    return jsonify(
        message="Hello from Backend!",
        data={"items": ITEMS, "count": len(ITEMS)},
        hostname=socket.gethostname(),
        timestamp=now_iso(),
    )


@app.get("/health")
def health():
    return jsonify(
        status="ok",
        hostname=socket.gethostname(),
        timestamp=now_iso(),
        uptimeSeconds=round(time.monotonic() - STARTED, 2),
    )
