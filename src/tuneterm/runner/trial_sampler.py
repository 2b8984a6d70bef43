"""A trial's resource use: CPU %, resident memory and GPU use of its process and children.

Part of the trial agent (trial_agent.py); like it, imports nothing from tuneterm but its parts.
"""

from __future__ import annotations

import contextlib
import os
import time
from typing import Any

from tuneterm.runner.trial_capture import warn_once

SAMPLE_INTERVAL_S = 2.0
"""How often a running trial is sampled (domain.resources.SAMPLE_INTERVAL_S)."""

Sample = tuple[float, float, int, int | None, float | None]
"""A resource sample: time, CPU %, RSS bytes, GPU memory bytes, GPU utilisation %."""


class ResourceSampler:
    """CPU %, resident memory and GPU use of this process and its children."""

    def __init__(self, psutil: Any, gpu: GpuReader | None) -> None:
        self._psutil = psutil
        self._root = psutil.Process()
        self._known: dict[int, Any] = {}
        self._gpu = gpu
        self.sample()  # CPU % counts from here

    @classmethod
    def create(cls) -> ResourceSampler | _NoSampler:
        try:
            import psutil
        except ImportError:
            warn_once("psutil", "psutil is not installed: no resource samples")
            return _NoSampler()
        return cls(psutil, GpuReader.open())

    def sample(self) -> list[Sample]:
        """One sample now (none if the process cannot be read)."""
        try:
            processes = self._processes()
            cpu, rss = self._cpu_and_memory(processes)
            gpu_memory, gpu_util = (None, None)
            if self._gpu is not None:
                gpu_memory, gpu_util = self._gpu.read({p.pid for p in processes})
            return [(time.time(), cpu, rss, gpu_memory, gpu_util)]
        except Exception as exc:
            warn_once("sample", f"no resource sample ({type(exc).__name__}: {exc})")
            return []

    def _processes(self) -> list[Any]:
        """This process and its children, each the same psutil object as last time (CPU % is
        measured between two calls on one object)."""
        current = [self._root, *self._root.children(recursive=True)]
        self._known = {p.pid: self._known.get(p.pid, p) for p in current}
        return list(self._known.values())

    def _cpu_and_memory(self, processes: list[Any]) -> tuple[float, int]:
        cpu, rss = 0.0, 0
        for process in processes:
            with contextlib.suppress(self._psutil.Error):
                cpu += process.cpu_percent(None)
                rss += process.memory_info().rss
        return cpu, rss


class _NoSampler:
    def sample(self) -> list[Sample]:
        return []


class GpuReader:
    """The GPUs visible to this process (CUDA_VISIBLE_DEVICES), read through nvidia-ml-py."""

    def __init__(self, nvml: Any, handles: list[Any]) -> None:
        self._nvml = nvml
        self._handles = handles

    @classmethod
    def open(cls) -> GpuReader | None:
        """None when nvidia-ml-py is missing, no driver answers, or no GPU is visible."""
        visible = os.environ.get("CUDA_VISIBLE_DEVICES")
        if visible is not None and visible.strip() in ("", "-1", "NoDevFiles"):
            return None
        try:
            import pynvml as nvml

            nvml.nvmlInit()
            handles = _visible_handles(nvml, visible)
        except Exception:
            return None
        return cls(nvml, handles) if handles else None

    def read(self, pids: set[int]) -> tuple[int, float]:
        """GPU memory held by `pids` on the visible GPUs, and their mean utilisation."""
        memory, utilisation = 0, []
        for handle in self._handles:
            for process in self._nvml.nvmlDeviceGetComputeRunningProcesses(handle):
                if process.pid in pids:
                    memory += process.usedGpuMemory or 0
            utilisation.append(float(self._nvml.nvmlDeviceGetUtilizationRates(handle).gpu))
        return memory, sum(utilisation) / len(utilisation)


def _visible_handles(nvml: Any, visible: str | None) -> list[Any]:
    if visible is None:
        return [nvml.nvmlDeviceGetHandleByIndex(i) for i in range(nvml.nvmlDeviceGetCount())]
    handles = []
    for device in visible.split(","):
        device = device.strip()
        if device.isdigit():
            handles.append(nvml.nvmlDeviceGetHandleByIndex(int(device)))
        elif device:
            handles.append(nvml.nvmlDeviceGetHandleByUUID(device))
    return handles
