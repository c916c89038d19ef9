"""A plain Starlette LayerCode backend (not the toolkit, no Logfire) instrumented as the README
says, in a fresh interpreter each (OpenTelemetry's providers are set once per process), with
an OTLP/HTTP receiver on loopback. Run: python -m unittest discover -s integrations/python/tests"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import textwrap
import threading
import unittest
import zipfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parents[1]
# The list the Node tests use (packages/test-support); a copy beside the tests when they run
# outside the repository, against the installed wheel.
_HEADERS_FILE = next(
    path
    for path in (
        Path(__file__).parent / "credential-headers.json",
        PACKAGE_DIR.parents[1] / "packages/test-support/src/credential-headers.json",
    )
    if path.exists()
)
CREDENTIAL_HEADERS = json.loads(_HEADERS_FILE.read_text())["headers"]

# The user's app: a webhook route answering like a LayerCode backend, then its own setup lines.
APP = textwrap.dedent(
    """
    import json
    from starlette.applications import Starlette
    from starlette.responses import StreamingResponse
    from starlette.routing import Route
    from starlette.testclient import TestClient

    async def webhook(request):
        body = await request.json()
        async def events():
            yield 'data: ' + json.dumps({"type": "response.tts", "content": "Hi", "turn_id": body["turn_id"]}) + '\\n\\n'
            yield 'data: ' + json.dumps({"type": "response.end", "turn_id": body["turn_id"]}) + '\\n\\n'
        return StreamingResponse(events(), media_type="text/event-stream")

    app = Starlette(routes=[Route("/api/agent", webhook, methods=["POST"])])
    """
)

SEND = textwrap.dedent(
    """
    import os
    client = TestClient(app)
    answer = client.post("/api/agent", json={"type": "message", "session_id": "s1",
        "conversation_id": "c1", "turn_id": "t1", "text": "hello"},
        headers=json.loads(os.environ.get("TEST_HEADERS", "{}")))
    print("STATUS", answer.status_code)
    from opentelemetry import metrics, trace, _logs
    for provider in (trace.get_tracer_provider(), metrics.get_meter_provider(), _logs.get_logger_provider()):
        getattr(provider, "shutdown", lambda: None)()  # the API's no-op providers have none
    """
)


class Receiver:
    """An OTLP/HTTP endpoint on loopback that keeps each request's path and protobuf body."""

    def __init__(self) -> None:
        requests: list[tuple[str, bytes]] = []

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (the standard library's name)
                body = self.rfile.read(int(self.headers.get("content-length", "0")))
                requests.append((self.path, body))
                self.send_response(200)
                self.send_header("content-type", "application/x-protobuf")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.requests = requests
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def run_app(setup: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("OTEL_", "LOGFIRE_"))}
    return subprocess.run(
        [sys.executable, "-c", APP + textwrap.dedent(setup) + SEND],
        env={**clean, "PYTHONPATH": str(PACKAGE_DIR), **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


class PlainAppSetup(unittest.TestCase):
    def test_without_an_sdk_instrument_app_fails_at_start_up_with_the_fix(self) -> None:
        result = run_app(
            """
            from layercode_otel_kit import instrument_app
            instrument_app(app, agent="my-agent")
            """,
            {},
        )
        self.assertNotEqual(result.returncode, 0)
        self.assertNotIn("STATUS", result.stdout, "it stopped before serving")
        self.assertIn("RuntimeError: layercode_otel_kit needs the OpenTelemetry SDK", result.stderr)
        self.assertIn("layercode_otel_kit.setup_otel()", result.stderr)

    def test_a_middleware_added_by_hand_without_an_sdk_never_fails_a_webhook(self) -> None:
        result = run_app(
            """
            from layercode_otel_kit import TurnTelemetry
            app.add_middleware(TurnTelemetry, agent="my-agent")
            """,
            {},
        )
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("STATUS 200", result.stdout)

    def test_setup_otel_sends_the_turn_as_traces_metrics_and_logs(self) -> None:
        from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest
        from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import (
            ExportMetricsServiceRequest,
        )
        from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
            ExportTraceServiceRequest,
        )

        receiver = Receiver()
        try:
            result = run_app(
                """
                from layercode_otel_kit import forward_loguru, instrument_app, setup_otel
                setup_otel()
                instrument_app(app, agent="my-agent")
                forward_loguru()
                """,
                {
                    "OTEL_EXPORTER_OTLP_ENDPOINT": receiver.url,
                    "OTEL_SERVICE_NAME": "my-plain-agent",
                },
            )
        finally:
            receiver.close()
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("STATUS 200", result.stdout)

        def decoded(path: str, message_type):  # noqa: ANN001, ANN202
            messages = []
            for request_path, body in receiver.requests:
                if request_path == path:
                    message = message_type()
                    message.ParseFromString(body)
                    messages.append(message)
            return messages

        spans = [
            (resource.resource, span)
            for request in decoded("/v1/traces", ExportTraceServiceRequest)
            for resource in request.resource_spans
            for scope in resource.scope_spans
            for span in scope.spans
        ]
        servers = [(r, s) for r, s in spans if s.kind == s.SPAN_KIND_SERVER]
        self.assertEqual(len(servers), 1, [s.name for _, s in spans])
        resource, server = servers[0]
        attributes = {a.key: a.value.string_value for a in server.attributes}
        self.assertEqual(attributes.get("layercode.conversation.id"), "c1")
        self.assertEqual(attributes.get("layercode.outcome"), "ok")
        service = {a.key: a.value.string_value for a in resource.attributes}["service.name"]
        self.assertEqual(service, "my-plain-agent")

        turns = [
            point
            for request in decoded("/v1/metrics", ExportMetricsServiceRequest)
            for resource in request.resource_metrics
            for scope in resource.scope_metrics
            for metric in scope.metrics
            if metric.name == "layercode.turn.duration"
            for point in metric.histogram.data_points
        ]
        self.assertEqual([p.count for p in turns], [1], "one turn counted")

        bodies = [
            record.body.string_value
            for request in decoded("/v1/logs", ExportLogsServiceRequest)
            for resource in request.resource_logs
            for scope in resource.scope_logs
            for record in scope.log_records
        ]
        self.assertIn("turn completed", bodies)

    def test_no_credential_header_value_reaches_any_output_with_capture_on(self) -> None:
        headers = {name: f"HDRMARKER{i:03d}plain" for i, name in enumerate(CREDENTIAL_HEADERS)}
        receiver = Receiver()
        try:
            result = run_app(
                """
                import sys
                from loguru import logger
                from layercode_otel_kit import forward_loguru, instrument_app, setup_otel
                logger.remove()
                logger.add(sys.stdout, level="DEBUG", serialize=True)
                setup_otel()
                instrument_app(app, agent="my-agent")
                forward_loguru("DEBUG")
                """,
                {
                    "OTEL_EXPORTER_OTLP_ENDPOINT": receiver.url,
                    # A user who turned on header capture for every header.
                    "OTEL_INSTRUMENTATION_HTTP_CAPTURE_HEADERS_SERVER_REQUEST": ".*",
                    "OTEL_INSTRUMENTATION_HTTP_CAPTURE_HEADERS_SERVER_RESPONSE": ".*",
                    "TEST_HEADERS": json.dumps({**headers, "x-request-id": "req-visible-1"}),
                },
            )
        finally:
            receiver.close()
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("STATUS 200", result.stdout)
        exported = b"".join(body for _, body in receiver.requests)
        self.assertIn(b"http.request.header.x_request_id", exported, "the allowlist is captured")
        self.assertIn(b"req-visible-1", exported)
        self.assertNotIn(b"http.request.header.x_functions_key", exported, "the rest is not")
        for name, value in headers.items():
            for sink, text in (("stdout", result.stdout), ("stderr", result.stderr)):
                self.assertNotIn(value, text, f"{name} leaked into {sink}")
            self.assertNotIn(value.encode(), exported, f"{name} leaked into OTLP")


class PathInstall(unittest.TestCase):
    def test_the_readme_install_builds_a_wheel_with_its_extras_and_leaves_git_clean(self) -> None:
        status = ["git", "-C", str(PACKAGE_DIR), "status", "--porcelain", "--", "."]
        if subprocess.run(status, capture_output=True).returncode != 0:
            self.skipTest("not a git checkout")
        before = subprocess.run(status, capture_output=True, text=True, check=True).stdout
        with tempfile.TemporaryDirectory() as out:
            subprocess.run(
                [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", out]
                + [str(PACKAGE_DIR)],
                check=True,
                capture_output=True,
                timeout=300,
            )
            (wheel,) = Path(out).glob("layercode_otel_kit-*.whl")
            with zipfile.ZipFile(wheel) as archive:
                (metadata,) = [n for n in archive.namelist() if n.endswith("/METADATA")]
                text = archive.read(metadata).decode()
                self.assertIn("layercode_otel_kit/prices.json", archive.namelist())
        self.assertIn("Provides-Extra: toolkit", text)
        self.assertIn("Provides-Extra: otlp", text)
        self.assertIn('layercode-create-app==0.2.0; extra == "toolkit"', text)
        after = subprocess.run(status, capture_output=True, text=True, check=True).stdout
        self.assertEqual(after, before, "the build left files git would show (build/, *.egg-info)")


if __name__ == "__main__":
    unittest.main()
