"""What the benchmarks measure of a running command: its process tree and that tree's
memory, read from /proc. Imported by bench_batch.py, bench_grade.py and bench_scale.py."""
import os


def descendants(root):
    """root and every process below it (pids)."""
    parents = {}
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                with open(f"/proc/{pid}/stat") as f:
                    parents[int(pid)] = int(f.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                pass
    found, stack = [], [root]
    while stack:
        pid = stack.pop()
        found.append(pid)
        stack.extend(p for p, parent in parents.items() if parent == pid)
    return found


def memory_kb(pids):
    """(RSS, PSS) of pids together, in kB (smaps_rollup)."""
    rss = pss = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/smaps_rollup") as f:
                for line in f:
                    if line.startswith("Rss:"):
                        rss += int(line.split()[1])
                    elif line.startswith("Pss:"):
                        pss += int(line.split()[1])
        except OSError:
            pass
    return rss, pss
