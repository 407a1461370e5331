"""The sandboxed worker: imports the student's file and answers calls, one at a time.

serve() runs in a child forked by worker/zygote.py, already running as an unprivileged
account with its limits set and its environment scrubbed.

Protocol (see wire.py): the worker first says it is ready (Python and torch work), then
sends a hello saying whether the student's file imported;
then for each request {"fn", "call": {"args", "kwargs"}, "device"} it sends one reply
{"ok", "value", "modified" | "error", "autograd"}: "autograd" names what the call used
to differentiate (guard.py), "modified" the inputs it changed in place. Anything the
student prints goes to fds 1 and 2, which the trusted side reads separately.
"inputs": false (training) says no input need be checked for changes ("modified" is []).
A request with "check": "device" (and "real_gpu") is answered {"ok": true, "report",
"autograd"} instead: the call made once more on a GPU, real or virtual (common/devices.py).
"""
from __future__ import annotations

import importlib.util
import os
import sys
import traceback
from typing import TYPE_CHECKING

HERE = os.path.dirname(os.path.abspath(__file__))
COMMON = os.path.join(os.path.dirname(os.path.dirname(HERE)), "common")   # autograder/common
sys.path[:0] = [HERE, COMMON]   # the interpreter runs isolated (python -I): no other path of ours
import devices  # noqa: E402  (autograder/common: shipped to students too)
import wire  # noqa: E402  (next to this file)
from guard import Guard, Inputs  # noqa: E402

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping
    from typing import Any


def student_traceback(exc: BaseException, path: str) -> str:
    """The exception and only the frames inside the student's file: students see their code, not ours."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename == path]
    for f in frames:
        f.filename = os.path.basename(path)
    lines = traceback.format_list(frames[-5:]) if frames else []
    return "".join(lines) + "".join(traceback.format_exception_only(type(exc), exc)).strip()


def unreadable(paths: Iterable[str]) -> str | None:
    """The first of paths this account cannot read (or enter), or None. Checked before
    anything of the student's runs: what is missing here is the installation's fault."""
    for path in paths:
        mode = os.R_OK | (os.X_OK if os.path.isdir(path) else 0)
        if not os.access(path, mode):
            return path
    return None


def serve(request_fd: int, reply_fd: int, path: str, needs: Iterable[str] = (),
          confine: Callable[[], list[str]] | None = None, isolated: Iterable[str] = (),
          contract: Mapping[str, Any] | None = None) -> None:
    """Import the student's file and answer calls until the trusted side hangs up.
    Runs in a child of worker/zygote.py, already sandboxed. needs: paths of the
    installation this account must be able to read. confine: called once they are
    checked, to shut the rest of the file system (worker/confine.py); returns what held.
    isolated: the namespaces of its own the zygote gave it ("pid", "net", "mount").
    contract: what the trusted side says of the assignment: "functions" (their names) and
    "inputs" (per function, the arguments a call must leave as they were)."""
    import torch

    torch.set_num_threads(1)
    guard = Guard(torch).install()   # before the student's file binds any name of torch's

    def send(header: dict[str, Any], tensors: Mapping[str, wire.Raw] | None = None) -> None:
        sys.stdout.flush()
        sys.stderr.flush()
        wire.write_all(reply_fd, wire.pack(header, tensors))

    # Everything up to here is the grader's installation (Python, torch, this folder);
    # from here on, what fails is the student's code. The trusted side tells them apart
    # by this message.
    missing = unreadable(needs)
    if missing:
        send({"ready": False, "error": f"the worker account cannot read {missing}"})
        return
    confined = confine() if confine else []
    send({"ready": True, "confined": confined, "isolated": list(isolated)})
    try:
        name = os.path.splitext(os.path.basename(path))[0]
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    except BaseException as exc:  # SystemExit and KeyboardInterrupt included
        send({"ok": False, "error": student_traceback(exc, path)})
        return
    contract = contract or {}
    missing = [f for f in contract.get("functions", ()) if not callable(getattr(module, f, None))]
    send({"ok": True, "missing": missing})

    while True:
        try:
            request, tensors = wire.read_message(request_fd)
        except wire.WireError:
            return
        device = request.get("device", "cpu")
        call = wire.decode(request["call"], {k: v.to(device) for k, v in tensors.items()})
        args, kwargs = call["args"], call["kwargs"]
        fn = getattr(module, request["fn"], None)
        if request.get("check") == "device":
            report = devices.check(fn, tuple(args), kwargs, real_gpu=request.get("real_gpu") is True,
                                   call=guard.call, describe=lambda exc: student_traceback(exc, path))
            send({"ok": True, "report": report, "autograd": guard.used})
            continue
        checked = request.get("inputs", True)   # False: no input is looked at
        names = contract.get("inputs", {}).get(request["fn"], ()) if checked else ()
        inputs = Inputs(torch, list(zip(names, args)) + [(k, v) for k, v in kwargs.items() if k in names])
        try:
            value = guard.call(fn, *args, **kwargs)   # no autograd in any function
            tree, out = wire.encode(value)
            reply = {"ok": True, "value": tree, "modified": inputs.changed()}
        except BaseException as exc:
            reply, out = {"ok": False, "error": student_traceback(exc, path)}, None
        reply["autograd"] = guard.used
        send(reply, out)
