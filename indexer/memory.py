"""The C allocator's settings for a process that searches: numpy arrays of a search stay in the heap.

A search allocates and drops dozens of arrays of a few hundred kilobytes (a score or a bitmap per
document of the index: 800 KB at 100,000 documents). glibc hands out blocks that large as fresh
``mmap`` regions and returns them on ``free``, so every array costs page faults when first written:
a third of the ranking time of a frequent word at 100,000 practices (bench/scale.py side by side).
Here such blocks come from the heap and are reused; the heap gives memory back to the system once
more than ``TRIM_BYTES`` lie free at its top.

Only glibc has ``mallopt``; elsewhere (musl, macOS) this does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import threading

MMAP_THRESHOLD_BYTES = 16 * 1024 * 1024  # blocks this large still get their own mapping
TRIM_BYTES = 16 * 1024 * 1024  # above what one search holds at 100,000 documents (~10 MB)
# mallopt parameters (malloc.h)
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3

_done = False
_lock = threading.Lock()


def keep_arrays_in_heap() -> bool:
    """Apply the settings once per process; True if the C library took them."""
    global _done
    with _lock:
        if _done:
            return True
        try:
            libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
            mallopt = libc.mallopt
        except (OSError, AttributeError):
            return False
        mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
        mallopt.restype = ctypes.c_int
        _done = bool(mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES)) and bool(mallopt(_M_TRIM_THRESHOLD, TRIM_BYTES))
        return _done
