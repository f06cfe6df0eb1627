"""A studio server on a free port with tiny models, and a small HTTP client for it."""

from __future__ import annotations

import http.client
import json
import threading
import time

import pytest


@pytest.fixture(scope="session")
def tiny_models():
    from edit.tiny import tiny_models

    return tiny_models()


class Client:
    def __init__(self, server) -> None:
        self.host, self.port = server.server_address[:2]

    def raw(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None):
        conn = http.client.HTTPConnection(self.host, self.port, timeout=120)
        conn.request(method, path, body=body, headers=headers or {})
        res = conn.getresponse()
        data = res.read()
        conn.close()
        return res.status, data, dict(res.getheaders())

    def call(self, method: str, path: str, obj=None):
        body = None if obj is None else json.dumps(obj).encode()
        status, data, _ = self.raw(method, path, body, {"Content-Type": "application/json"} if body else {})
        return status, json.loads(data)

    def wait(self, job_id: str, timeout: float = 240) -> dict:
        end = time.time() + timeout
        while time.time() < end:
            _, job = self.call("GET", f"/api/jobs/{job_id}")
            if job["state"] in ("done", "error"):
                return job
            time.sleep(0.1)
        raise AssertionError(f"job {job_id} still {job['state']} after {timeout} s")


@pytest.fixture
def studio(tmp_path, tiny_models):
    from musegen.studio import make_server

    server = make_server(tmp_path / "songs", port=0, models=tiny_models, audio=False)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server, Client(server)
    server.shutdown()
    server.server_close()
    server.studio.worker.stop()


@pytest.fixture(autouse=True, scope="module")
def _studio_one_thread(one_torch_thread):
    """Tiny models, one torch thread (see tests/conftest.py)."""
