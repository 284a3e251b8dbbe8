"""The console scripts ``zerobus-arrow`` and ``zerobus-emulator``.

The wheel carries both programs in ``_bin/``. Each script replaces itself with its program
(``exec``: signals, exit status and the terminal go straight to it), with pyarrow's library
directory first on the loader's path, since the programs use the libarrow of the installed
pyarrow rather than a second copy of their own.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

_BIN = Path(__file__).resolve().parent / "_bin"


def _pyarrow_library_dirs() -> list[str]:
    """Where pyarrow's shared libraries are, found without importing pyarrow (which is slow)."""
    spec = importlib.util.find_spec("pyarrow")
    if spec is None or not spec.submodule_search_locations:
        return []
    return list(spec.submodule_search_locations)


def _exec(name: str) -> None:
    program = _BIN / name
    if not os.access(program, os.X_OK):
        sys.exit(
            f"{name}: {program} is not in the installed arrow-zerobus-sdk-wrapper; "
            "reinstall it from a wheel or with `pip install .`"
        )
    library_dirs = _pyarrow_library_dirs()
    if not library_dirs:
        sys.exit(f"{name}: pyarrow is not installed (pip install 'pyarrow>=26,<27')")
    env = dict(os.environ)
    env["LD_LIBRARY_PATH"] = os.pathsep.join(
        [*library_dirs, *filter(None, [env.get("LD_LIBRARY_PATH")])]
    )
    os.execve(program, [name, *sys.argv[1:]], env)


def zerobus_arrow() -> None:
    """``zerobus-arrow``: send files, run the demo, read debug files, run the emulator."""
    _exec("zerobus-arrow")


def zerobus_emulator() -> None:
    """``zerobus-emulator``: the local Zerobus-compatible server."""
    _exec("zerobus-emulator")
