"""Tests never leave the machine (issue 14): a connection to any address but 127.0.0.1 fails
at once, so a test that would fetch the Bot Framework's keys or call Slack shows up."""

from __future__ import annotations

import socket

import pytest
from pytest_socket import SocketConnectBlockedError


def test_a_connection_to_another_host_is_refused_before_it_leaves() -> None:
    with socket.socket() as outside, pytest.raises(SocketConnectBlockedError):
        outside.connect(("192.0.2.1", 443))  # TEST-NET-1: reserved, never a real host


def test_a_connection_to_this_machine_is_allowed() -> None:
    with socket.socket() as server, socket.socket() as client:
        server.bind(("127.0.0.1", 0))
        server.listen()
        client.connect(server.getsockname())
