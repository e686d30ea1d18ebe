"""Nothing leaves the machine unless asked: the telemetry of the libraries unspin loads is
turned off here, before any of them is imported.

`unspin/__init__.py` imports this module first, so every process that loads unspin (the
library, the CLI, the web server and its worker processes, batch and Ray workers) runs it
before an inference session exists; child processes inherit the variables. onnxruntime reads
its switch once, when it is imported: `onnxruntime.disable_telemetry_events()` or setting the
variable later does not stop its 1DS client (measured with onnxruntime 1.31.1 in a loopback-only
network namespace: 12 DNS connects either way, 0 with the variable set before the import).
"""

from __future__ import annotations

import logging
import os
import sys

# Each library's own switch; set, not defaulted, so an environment cannot turn them back on.
TELEMETRY_OFF = {
    "ORT_DISABLE_TELEMETRY": "1",  # onnxruntime's 1DS telemetry client
    "RAY_USAGE_STATS_ENABLED": "0",  # Ray's usage statistics (local clusters started by `corpus run`)
    "HF_HUB_DISABLE_TELEMETRY": "1",  # huggingface_hub (base encoders fetched by `train --base`)
}


def telemetry_off() -> None:
    """Set every library's telemetry switch in this process (and so its children); say so when
    onnxruntime was imported before unspin, too late for its switch to take effect."""
    os.environ.update(TELEMETRY_OFF)
    if "onnxruntime" in sys.modules:
        logging.getLogger("unspin").warning(
            "onnxruntime was imported before unspin, so its telemetry could not be turned off: "
            "import unspin first or set ORT_DISABLE_TELEMETRY=1 before starting Python."
        )
