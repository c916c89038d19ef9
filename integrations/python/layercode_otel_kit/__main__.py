"""`python -m layercode_otel_kit run --agent bakery ...`: layercode-create-app's own CLI, with
the kit's telemetry (every argument is the toolkit's)."""

from __future__ import annotations

from .toolkit import instrument_toolkit


def main() -> None:
    instrument_toolkit()
    from layercode_create_app.cli import main as toolkit_main

    toolkit_main()


if __name__ == "__main__":
    main()
