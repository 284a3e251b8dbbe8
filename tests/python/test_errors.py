"""The exception hierarchy: one base class, retryable and cause on each, and the builtin
ConnectionError left intact."""

from __future__ import annotations

import builtins
import pickle

import pytest

import arrow_zerobus_sdk_wrapper as az
from arrow_zerobus_sdk_wrapper import errors


def test_every_error_is_a_zerobus_error():
    for cls in (
        az.ConfigurationError,
        az.AuthenticationError,
        az.ZerobusConnectionError,
        az.ConversionError,
        az.TransmissionError,
        az.RetryExhausted,
        az.TokenRefreshError,
    ):
        assert issubclass(cls, az.ZerobusError)
        with pytest.raises(az.ZerobusError):
            raise cls("boom")
    assert az.RetryExhaustedError is az.RetryExhausted


def test_builtin_connection_error_not_shadowed():
    namespace: dict[str, object] = {}
    exec("from arrow_zerobus_sdk_wrapper import *", namespace)
    assert "ConnectionError" not in namespace
    exec("x = ConnectionError", namespace)
    assert namespace["x"] is builtins.ConnectionError
    # The original's name still exists as an attribute ...
    assert az.ConnectionError is az.ZerobusConnectionError
    # ... and `except ConnectionError` (the builtin) catches both kinds.
    for raised in (builtins.ConnectionError("socket"), az.ZerobusConnectionError("stream")):
        with pytest.raises(ConnectionError):
            raise raised
    with pytest.raises(az.ZerobusError):
        raise az.ConnectionError("stream")


def test_attributes():
    error = az.TransmissionError("refused", code="UNAVAILABLE", retryable=True)
    assert error.cause == "refused" == str(error)
    assert error.code == "UNAVAILABLE"
    assert error.retryable is True
    assert error.error_type == "TransmissionError"
    assert az.ConversionError("x").retryable is False
    assert az.ZerobusConnectionError("x").retryable is True
    assert repr(error) == "TransmissionError('refused', code='UNAVAILABLE', retryable=True)"


def test_status_mapping_in_one_place():
    assert errors.error_class("ConnectionError") is az.ZerobusConnectionError
    assert errors.error_class("RetryExhausted") is az.RetryExhausted
    io_error = errors._from_status("IoError", "INTERNAL", "disk full", False)
    assert type(io_error) is az.ZerobusError and io_error.error_type == "IoError"
    status = az._core.Status("ConversionError", "bad value", False)
    converted = status.to_exception()
    assert isinstance(converted, az.ConversionError) and converted.cause == "bad value"


def test_pickle_round_trip():
    error = az.RetryExhausted("gave up", code="UNAVAILABLE", retryable=False)
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is az.RetryExhausted
    assert (copy.cause, copy.code, copy.retryable) == ("gave up", "UNAVAILABLE", False)
