"""The defaults docs/api.md and docs/transport.md state are the configuration's real ones."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from arrow_zerobus_sdk_wrapper import WrapperConfiguration

DOCS = Path(__file__).resolve().parents[2] / "docs"
_UNITS = {"KiB": 1024, "MiB": 1024 * 1024}


def _value(text: str) -> object:
    """A default as the table writes it: 100, 512 MiB, 10 MiB - 16 KiB, true, `protobuf`."""
    text = text.strip().strip("`")
    if text in ("true", "false"):
        return text == "true"
    total = 0
    for sign, number, unit in re.findall(r"(-?)\s*(\d+)\s*(KiB|MiB)?", text):
        total += (-1 if sign else 1) * int(number) * _UNITS.get(unit, 1)
    return total if re.fullmatch(r"[\d\sKiBM\-]+", text) else text


def _documented_defaults() -> dict[str, object]:
    defaults: dict[str, object] = {}
    for line in (DOCS / "api.md").read_text().splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) != 4 or not cells[0].startswith("`") or not cells[2]:
            continue
        keys = re.findall(r"`([a-z_]+)`", cells[0])
        values = [cells[2]] if len(keys) == 1 else [v for v in cells[2].split(",")]
        if len(values) == len(keys):
            defaults.update(zip(keys, map(_value, values), strict=True))
    return defaults


def test_api_md_states_the_real_defaults():
    documented = _documented_defaults()
    assert len(documented) >= 20, documented
    actual = WrapperConfiguration().to_dict()
    for key, value in documented.items():
        expected = (None, "none") if value == "none" else (value,)
        assert actual[key] in expected, f"docs/api.md says {key} defaults to {value!r}"


@pytest.mark.parametrize("doc", ["api.md", "transport.md"])
def test_the_wrapper_backoff_defaults_are_documented(doc):
    config = WrapperConfiguration()
    text = (DOCS / doc).read_text()
    assert (config.retry_base_delay_ms, config.retry_max_delay_ms) == (100, 30000)
    if doc == "api.md":
        assert "`retry_max_delay_ms` | `ZEROBUS_RETRY_*` | 100, 30000 |" in text
    else:
        assert "`retry_base_delay_ms` 100 ms and\n`retry_max_delay_ms` 30 s" in text


def test_python_md_does_not_call_observability_enabled_unsupported():
    assert WrapperConfiguration(observability_enabled=True).observability_enabled is True
    text = (DOCS / "python.md").read_text()
    assert "`observability_enabled=True` turns on OpenTelemetry" in text
    assert "Not accepted (they raise TypeError): the original's `observability_enabled`" not in text
