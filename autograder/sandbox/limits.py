"""What one worker may use: the limits, read from config.toml (config.py) into Limits.

Imports nothing heavy: the zygote starts before torch is loaded in the trusted process.
"""
from dataclasses import dataclass


@dataclass
class Limits:
    """What one worker may use. Times in seconds, sizes in bytes. The values an instructor
    may set have no default here: they are in autograder/config.toml (config.load), the
    one place they are written, which setup.sh and make read too."""

    call_seconds: float              # wall clock for one call into the student's file
    start_seconds: float             # wall clock to start Python, import torch and the student's file
    cpu_seconds: int                 # CPU time over the worker's whole life
    memory_bytes: int                # address space; not applied when a GPU may be used. Lowered
                                     # to what the machine (its cgroup) has left: container.py
    processes: int                   # processes and threads of the worker user
    file_bytes: int                  # largest file the worker may write
    output_chars: int                # student output kept per call
    user: str                        # worker accounts are user0, user1, ... (see take_account)
    accounts: int                    # how many: grading sessions that can run at once
    total_seconds: float             # one whole grade, start-up included (Gradescope's default: 600)
    disk_bytes: int                  # all the worker may write (a private tmpfs where mounts are allowed)
    isolate: bool                    # PID, network and mount namespaces per worker, where the kernel allows
    # Not settings: far from anything a correct submission needs.
    disk_files: int = 1000           # files and folders it may create there
    reply_bytes: int = 8 << 20       # largest reply read from a worker; far above any correct answer


# Memory a worker leaves to the grader's own processes in a container (the trusted side's
# comparisons and the results). The address-space limit counts reservations that use no
# memory (a thread's stack and malloc arena reserve tens of MB each), so the worker also
# gets this much address space beyond the memory left; past the memory itself the kernel
# stops it (oom_score_adj), and the student is told so either way.
GRADER_RESERVE = 64 << 20
ADDRESS_SLACK = 256 << 20
