"""Joining a Ray cluster by address in bounded time: `ray.init` alone can retry for minutes."""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from collections.abc import Callable, Iterator
from types import FrameType

RAY_CONNECT_TIMEOUT_S = 30.0
"""How long a driver tries to join the cluster at its address before it gives up, unless
$TUNETERM_CONNECT_TIMEOUT_S (seconds, more than 0) says otherwise."""
TIMEOUT_ENV = "TUNETERM_CONNECT_TIMEOUT_S"


def connect_timeout() -> float:
    """$TUNETERM_CONNECT_TIMEOUT_S when it is a number of seconds above 0, else 30 s."""
    try:
        value = float(os.environ.get(TIMEOUT_ENV, ""))
    except ValueError:
        return RAY_CONNECT_TIMEOUT_S
    return value if 0 < value < float("inf") else RAY_CONNECT_TIMEOUT_S


GIVE_UP_GRACE_S = 5.0
"""How long after the timeout a `ray.init` blocked in Ray's C++ client (for ~30 s at a time,
where no signal handler runs) is left before the process ends."""


class RayUnreachable(BaseException):
    """`ray.init` did not connect to the cluster at the given address in time.

    A BaseException, so that Ray's own retry loops (`except Exception`) do not swallow it.
    """


def unreachable_message(address: str, timeout: float) -> str:
    """The one line a driver records when it could not join the cluster at `address`."""
    return (
        f"could not connect to Ray at {address} in {timeout:g} s; check that the cluster runs "
        "and that the address is its GCS address (`ray start --head` prints it, usually port 6379)"
    )


@contextlib.contextmanager
def connect_deadline(
    address: str, on_stuck: Callable[[str], None], timeout: float | None = None
) -> Iterator[None]:
    """Raise RayUnreachable in the block (on the main thread) once it has lasted `timeout`.

    A block stuck where no signal handler runs gets `GIVE_UP_GRACE_S` more; then
    `on_stuck(message)` records the failure and the process ends, leaving nothing behind.
    """
    timeout = connect_timeout() if timeout is None else timeout
    message = unreachable_message(address, timeout)

    def interrupt(signum: int, frame: FrameType | None) -> None:
        raise RayUnreachable(message)

    previous = signal.signal(signal.SIGALRM, interrupt)
    signal.setitimer(signal.ITIMER_REAL, timeout)
    backstop = threading.Timer(timeout + GIVE_UP_GRACE_S, _give_up, (message, on_stuck))
    backstop.daemon = True
    backstop.start()
    try:
        yield
    finally:
        # Ignore the alarm first: once the block is over it must not raise, nor end the process.
        signal.signal(signal.SIGALRM, signal.SIG_IGN)
        backstop.cancel()
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _give_up(message: str, on_stuck: Callable[[str], None]) -> None:
    try:
        on_stuck(message)
    finally:
        os._exit(1)
