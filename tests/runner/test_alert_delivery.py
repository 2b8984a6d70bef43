"""Alerts delivered from the driver: to real HTTP servers on 127.0.0.1 (one that answers, one that
answers 500, one that hangs) and to a command; retried with backoff, every failure logged in one
line, every outcome recorded in the store; and a real sweep whose webhook hangs takes about as
long as one without alerts."""

from __future__ import annotations

import json
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import RayHead
from tests.runner.alert_servers import answering, hanging
from tests.support import only_experiment, tuneterm, wait_for
from tuneterm.domain.alerts import Alert, AlertEvent
from tuneterm.domain.config.alerts import AlertSpec
from tuneterm.domain.config.spec import ExperimentConfig
from tuneterm.domain.events import Event, EventKind
from tuneterm.domain.status import EndReason, SweepStatus
from tuneterm.storage.alert_delivery import QUEUE_SIZE, AlertSender, CommandChannel, WebhookChannel
from tuneterm.storage.alert_watch import AlertWatch
from tuneterm.storage.config_file import config_from_dict
from tuneterm.storage.experiment import ExperimentDir
from tuneterm.storage.store import Store

ALERT = Alert(
    AlertEvent.TRIAL_ERRORED,
    1_800_000_000.0,
    "lr-sweep",
    "/x/lr-sweep",
    "tuneterm: lr-sweep: trial a errored at iteration 2: ValueError: boom",
    "a",
    None,
    2,
)

RECORD_STDIN = """\
import sys
with open(sys.argv[1], "a") as out:
    out.write(sys.stdin.read().strip() + "\\n")
sys.exit(int(sys.argv[2]) if len(sys.argv) > 2 else 0)
"""
"""A command that appends its stdin, one line, to a file and exits with the status it is given."""


class Lines(list[str]):
    """The log lines a sender writes."""

    def __call__(self, line: str) -> None:
        self.append(line)

    def having(self, text: str) -> list[str]:
        return [line for line in self if text in line]


@pytest.fixture
def store_path(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "store.sqlite"
    Store.create(path, {"name": "lr-sweep", "metric": "accuracy", "mode": "max"}).close()
    yield path


def alert_events(store_path: Path) -> list[Event]:
    with Store.open(store_path) as store:
        return [event for event in store.events_since(0) if event.kind == EventKind.ALERT]


def test_a_webhook_that_answers_gets_the_json_once(store_path: Path) -> None:
    log = Lines()
    with answering(200) as server:
        sender = AlertSender(WebhookChannel(server.url), store_path, 2.0, 3, log)
        sender.offer(ALERT)
        assert sender.close(time.monotonic() + 10)
    [body] = server.bodies
    assert (body["event"], body["trial"], body["iteration"]) == ("trial_errored", "a", 2)
    assert body["text"] == body["content"] == ALERT.text
    [event] = alert_events(store_path)
    assert event.data["delivered"] is True and event.data["attempts"] == 1
    assert (event.data["channel"], event.data["event"], event.trial_id) == (
        "webhook",
        "trial_errored",
        "a",
    )
    assert log.having("sent by webhook to 127.0.0.1:") and "secret-token" not in "".join(log)


def test_a_webhook_answering_500_is_retried_with_backoff_then_given_up(store_path: Path) -> None:
    log = Lines()
    with answering(500) as server:
        sender = AlertSender(
            WebhookChannel(server.url), store_path, 2.0, 3, log, first_backoff_s=0.2
        )
        sender.offer(ALERT)
        assert sender.close(time.monotonic() + 20)
    gaps = [b - a for a, b in zip(server.times, server.times[1:], strict=False)]
    print("gaps between attempts:", [f"{gap:.2f}" for gap in gaps])
    assert len(server.bodies) == 4
    waits = (0.2, 0.4, 0.8)
    assert all(gap >= wait - 0.05 for gap, wait in zip(gaps, waits, strict=True))
    assert gaps[0] < gaps[1] < gaps[2]
    failures = log.having("failed (HTTP 500 Internal Server Error); retrying in")
    assert [line.split("retrying in ")[1] for line in failures] == ["0.2 s", "0.4 s", "0.8 s"]
    [given_up] = log.having("not delivered")
    assert given_up == (
        "trial_errored not delivered by webhook to 127.0.0.1:"
        f"{server.server_address[1]} after 4 attempts: HTTP 500 Internal Server Error"
    )
    assert all("\n" not in line for line in log)
    [event] = alert_events(store_path)
    assert (event.data["delivered"], event.data["attempts"]) == (False, 4)
    assert event.data["error"] == "HTTP 500 Internal Server Error"


def test_a_webhook_that_hangs_times_out_each_attempt(store_path: Path) -> None:
    log = Lines()
    with hanging() as server:
        sender = AlertSender(
            WebhookChannel(server.url), store_path, 0.5, 1, log, first_backoff_s=0.1
        )
        started = time.monotonic()
        sender.offer(ALERT)
        assert time.monotonic() - started < 0.1  # offering never waits
        assert sender.close(time.monotonic() + 10)
        elapsed = time.monotonic() - started
        assert len(server.accepted) == 2
    print(f"two attempts of 0.5 s and a backoff of 0.1 s took {elapsed:.2f} s")
    assert 1.0 <= elapsed < 5
    assert log.having("attempt 1 of 2 failed (no answer within 0.5 s); retrying in 0.1 s")
    assert log.having("not delivered by webhook to 127.0.0.1:")
    [event] = alert_events(store_path)
    assert (event.data["delivered"], event.data["error"]) == (False, "no answer within 0.5 s")


def test_a_full_queue_drops_alerts_without_waiting_and_the_end_gives_up(store_path: Path) -> None:
    log = Lines()
    with hanging() as server:
        sender = AlertSender(WebhookChannel(server.url), store_path, 5.0, 3, log)
        started = time.monotonic()
        for _ in range(QUEUE_SIZE + 20):
            sender.offer(ALERT)
        offering = time.monotonic() - started
        assert not sender.close(time.monotonic() + 0.5)
        closing = time.monotonic() - started - offering
    print(f"{QUEUE_SIZE + 20} offers took {offering * 1000:.1f} ms, closing {closing:.2f} s")
    assert offering < 1.0 and closing < 2.0
    assert 19 <= len(log.having("dropped")) <= 20
    assert log.having("the driver is ending: the webhook to 127.0.0.1:")


def test_a_command_reads_the_alert_on_stdin(tmp_path: Path, store_path: Path) -> None:
    script, received = tmp_path / "record.py", tmp_path / "alerts.jsonl"
    script.write_text(RECORD_STDIN)
    log = Lines()
    channel = CommandChannel([sys.executable, str(script), str(received)])
    sender = AlertSender(channel, store_path, 10.0, 0, log)
    sender.offer(ALERT)
    assert sender.close(time.monotonic() + 20)
    [line] = received.read_text().splitlines()
    assert json.loads(line) == json.loads(json.dumps(ALERT.payload()))
    [event] = alert_events(store_path)
    assert (event.data["channel"], event.data["delivered"]) == ("command", True)


def test_a_failing_or_hanging_command_is_retried_and_logged(tmp_path: Path) -> None:
    script, received = tmp_path / "record.py", tmp_path / "alerts.jsonl"
    script.write_text(RECORD_STDIN)
    log = Lines()
    failing = CommandChannel([sys.executable, str(script), str(received), "3"])
    sender = AlertSender(failing, None, 10.0, 1, log, first_backoff_s=0.05)
    sender.offer(ALERT)
    assert sender.close(time.monotonic() + 20)
    assert len(received.read_text().splitlines()) == 2
    assert log.having("after 2 attempts: exited with status 3")
    log.clear()
    sleeper = CommandChannel([sys.executable, "-c", "import time; time.sleep(30)"])
    sender = AlertSender(sleeper, None, 0.5, 0, log)
    started = time.monotonic()
    sender.offer(ALERT)
    assert sender.close(time.monotonic() + 10)
    assert time.monotonic() - started < 5
    assert log.having("after 1 attempts: still running after 0.5 s: killed")


def small_config(alerts: dict[str, object]) -> ExperimentConfig:
    data = {
        "experiment": {"name": "lr-sweep", "metric": "accuracy", "mode": "max"},
        "trainable": {"name": "mlp", "epochs": 3},
        "search_space": {"lr": 0.01},
        "alerts": alerts,
    }
    return config_from_dict(data)


def test_the_driver_watch_follows_the_store_and_sends_the_chosen_events(tmp_path: Path) -> None:
    expdir = ExperimentDir(tmp_path)
    meta = {"name": "lr-sweep", "metric": "accuracy", "mode": "max"}
    Store.create(expdir.store, meta).close()
    log = Lines()
    with answering(200) as server:
        config = small_config({"webhook": server.url})
        assert config.alerts == AlertSpec(webhook=server.url, timeout_s=10.0)
        with Store.open(expdir.store) as store, AlertWatch(expdir, config, poll_s=0.05, log=log):
            store.record_trial_started("a", {"lr": 0.01})
            for iteration, value in enumerate((0.2, 0.5, 0.9), start=1):
                store.record_result("a", iteration, {"accuracy": value})
            store.record_trial_ended("a", EndReason.ERROR, 3, "Traceback\nValueError: boom")
            wait_for(lambda: len(server.bodies) == 1, timeout=10)
            store.record_experiment_ended(SweepStatus.FAILED, "every trial errored")
        events = [body["event"] for body in server.bodies]
    assert events == ["trial_errored", "sweep_failed"]  # new_best is not chosen by default
    assert server.bodies[1]["text"] == (
        "tuneterm: lr-sweep: failed: 1 trial (1 errored) (every trial errored);"
        " best accuracy 0.9 by trial a"
    )
    assert server.bodies[1]["directory"] == str(tmp_path)
    assert [e.data["event"] for e in alert_events(expdir.store)] == events


def test_no_watch_thread_without_a_webhook_or_command(tmp_path: Path) -> None:
    expdir = ExperimentDir(tmp_path)
    Store.create(expdir.store, {"name": "x", "metric": "accuracy", "mode": "max"}).close()
    with AlertWatch(expdir, small_config({"events": ["new_best"]})) as watch:
        assert watch.senders == []


# -- a real sweep ---------------------------------------------------------------------------------

ALERT_TRAINABLE = """\
import time

from ray import tune


def train(config):
    for i in range(1, 5):
        time.sleep(0.5)
        if config["x"] == 1 and i == 2:
            raise ValueError("x=1 diverged")
        tune.report({"score": float(config["x"] * i)})
"""

SWEEP = """\
[experiment]
name = "alerts"
metric = "score"
mode = "max"

[trainable]
name = "alerttrain:train"

[search_space]
x = { grid = [1, 2, 3] }

[search]
algorithm = "grid"

[resources]
cpu = 1
"""


@pytest.mark.ray
@pytest.mark.slow
def test_a_hanging_webhook_does_not_slow_the_sweep(tmp_path: Path, ray_head: RayHead) -> None:
    (tmp_path / "alerttrain.py").write_text(ALERT_TRAINABLE)
    (tmp_path / "record.py").write_text(RECORD_STDIN)
    received = tmp_path / "alerts.jsonl"
    timings = {}
    with hanging() as server:
        for variant, alerts in (("without alerts", ""), ("with a hanging webhook", "on")):
            run_dir = tmp_path / variant.replace(" ", "-")
            run_dir.mkdir()
            config = run_dir / "alerts.toml"
            table = textwrap.dedent(f"""
                [alerts]
                webhook = "{server.url}"
                command = "{sys.executable} {tmp_path / "record.py"} {received}"
                events = ["new_best", "trial_errored", "sweep_finished", "sweep_failed"]
                timeout_s = 1
                retries = 1
            """)
            config.write_text(SWEEP + (table if alerts else ""))
            started = time.monotonic()
            proc = tuneterm(
                "run",
                str(config),
                "--headless",
                "--address",
                ray_head.address,
                cwd=tmp_path,
                root=run_dir / "runs",
                timeout=180,
            )
            timings[variant] = time.monotonic() - started
            assert proc.returncode == 0, proc.stdout + proc.stderr
    without, hung = timings["without alerts"], timings["with a hanging webhook"]
    print(f"sweep without alerts {without:.1f} s, with a hanging webhook {hung:.1f} s")
    assert hung < 1.5 * without + 5
    expdir = only_experiment(tmp_path / "with-a-hanging-webhook" / "runs")
    # The webhook's failures and the command's deliveries are recorded as they end.
    wait_for(lambda: len(alert_events(expdir.store)) >= 3, timeout=30)
    outcomes = {
        (e.data["channel"], e.data["event"], e.data["delivered"])
        for e in alert_events(expdir.store)
    }
    assert ("webhook", "trial_errored", False) in outcomes
    assert ("command", "trial_errored", True) in outcomes
    assert ("command", "sweep_finished", True) in outcomes
    commanded = [json.loads(line)["event"] for line in received.read_text().splitlines()]
    assert commanded[0] == "trial_errored" and commanded[-1] == "sweep_finished"
    log = expdir.driver_log.read_text()
    assert "tuneterm alerts: trial_errored by webhook to 127.0.0.1:" in log
    assert "failed (no answer within 1 s); retrying in 1 s" in log
