"""What the integration scripts beside this file share. They run as
`python3 path/to/script.py`, so this directory is on sys.path."""
import time


def wait_for(what, pred, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pred():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")
