"""The Gradescope path (`run_autograder`) inside a cgroup shaped like Gradescope's container.

    sudo .venv/bin/python bench/gradescope_container.py [--memory-mb 768] [--cpus 0.5]
         [--python .venv/bin/python] [--json PATH] [SUBMISSION ...]

Gradescope's default container has 768 MB of memory and half a virtual CPU. For each
submission (an `mlp.py`) this makes a simulated Gradescope root in a temporary folder
(ROOT/submission/mlp.py, ROOT/results/), puts a fresh cgroup with those limits around
`bash run_autograder` (AUTOGRADER_ROOT=ROOT, AUTOGRADER_PYTHON=the given python), so that
the grader, its zygote and every worker are inside, and prints per submission: the exit
status of run_autograder, whether results.json was written (a run without one is the
worst outcome: Gradescope shows the student nothing), the score, the wall-clock time, the
CPU time and peak memory of the cgroup, how many processes the kernel's OOM killer killed
in it (and which, when the kernel log is readable), and how many tests say that a worker
was killed or ran out of memory, or timed out.

Linux only, as root. cgroup v2 (the unified hierarchy, with the memory and cpu
controllers) is used when it has both controllers, else cgroup v1 (the memory and cpu
hierarchies). Each cgroup is made under this process's own cgroup where the hierarchy
allows it, and is removed at the end, its leftover processes killed first.

Caveat: page cache is charged to the cgroup that first read a file. On a machine where
torch's libraries are already cached (by earlier runs, outside the cgroup), they are not
counted in the peak, and the limit cannot evict them; in a real container they are
charged and reclaimed under pressure. `--drop-caches` empties the page cache before each
run (it slows every other program on the machine for a moment).
"""
import argparse
import errno
import json
import os
import platform
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

CHECKOUT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(CHECKOUT))
from autograder.assignment import load  # noqa: E402  (where the engine keeps each assignment's files)

TASK1 = load("task1")
SUBMISSIONS = CHECKOUT / "tests" / "submissions"
DEFAULT_SUBMISSIONS = [TASK1.reference,
                       SUBMISSIONS / "buggy" / "grad_no_divide_by_m.py",
                       SUBMISSIONS / "hostile" / "memory_creep.py",
                       SUBMISSIONS / "hostile" / "infinite_loop.py"]
PERIOD_US = 100_000
# What a test's output says when its worker was killed or ran out of memory, and when it
# ran out of time (English and Chinese: autograder/common/messages.py's exit_killed, exit_oom,
# exit_signal, call_timeout and out_of_time_*, and what torch and Python raise when an
# allocation fails under the worker's address-space limit).
KILLED_OR_OOM = re.compile(r"killed|SIGKILL|out of memory|more memory than|MemoryError|can't allocate memory|"
                           r"Cannot allocate memory|被外部终止|被信号|内存", re.I)
TIMED_OUT = re.compile(r"did not finish within|grading time ran out|秒内没有结束|评分总时间已用完")


class Refused(Exception):
    """This machine cannot run the benchmark: the message says why (exit status 2)."""


def write(path, value):
    with open(path, "w") as f:
        f.write(str(value))


def read(path, default=None):
    try:
        with open(path) as f:
            return f.read()
    except OSError:
        return default


def keyed(text):
    """'key value' lines (memory.events, cpu.stat, memory.oom_control) as a dict of ints."""
    out = {}
    for line in (text or "").splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[1].lstrip("-").isdigit():
            out[parts[0]] = int(parts[1])
    return out


def mounts():
    """(mount point, fs type, options) of every cgroup file system, from /proc/self/mounts."""
    out = []
    for line in (read("/proc/self/mounts") or "").splitlines():
        fields = line.split()
        if len(fields) >= 4 and fields[2] in ("cgroup", "cgroup2"):
            point = fields[1].replace("\\040", " ")
            out.append((point, fields[2], set(fields[3].split(","))))
    return out


def own_cgroups():
    """{controller or "": path} of this process, from /proc/self/cgroup ("" is v2)."""
    out = {}
    for line in (read("/proc/self/cgroup") or "").splitlines():
        num, controllers, path = line.split(":", 2)
        for c in controllers.split(",") if controllers else [""]:
            out[c] = path
    return out


def kill_all(procs_file, deadline=10.0):
    """SIGKILL every process listed in procs_file until none is left (forks included)."""
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        pids = [int(p) for p in (read(procs_file) or "").split()]
        if not pids:
            return True
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        time.sleep(0.05)
    return False


def rmdir_retry(path, tries=100):
    """rmdir a cgroup; its last processes may take a moment to be released."""
    for _ in range(tries):
        try:
            os.rmdir(path)
            return
        except FileNotFoundError:
            return
        except OSError as exc:
            if exc.errno != errno.EBUSY:
                raise
            time.sleep(0.05)
    os.rmdir(path)


class CgroupV2:
    version = "v2"

    def __init__(self, mount, parent):
        self.mount, self.parent = mount, parent   # parent: the folder children are made in

    @classmethod
    def find(cls, forced_parent=None):
        """The unified hierarchy, if it has the memory and cpu controllers; else None."""
        for point, fstype, _ in mounts():
            if fstype != "cgroup2":
                continue
            available = set((read(f"{point}/cgroup.controllers") or "").split())
            if not {"memory", "cpu"} <= available:
                continue
            if forced_parent:
                return cls(point, Path(forced_parent))
            own = Path(point) / own_cgroups().get("", "/").lstrip("/")
            # A cgroup with processes of its own cannot give controllers to children (the
            # "no internal processes" rule), except the root: try our own cgroup first.
            for parent in dict.fromkeys([own, Path(point)]):
                if cls._delegates(parent):
                    return cls(point, parent)
            raise Refused(f"cgroup v2 at {point} has the memory and cpu controllers, but neither "
                          f"{own} nor {point} lets a child cgroup use them (cgroup.subtree_control "
                          "could not be written); name a parent with --parent")
        return None

    @staticmethod
    def _delegates(parent):
        want = {"memory", "cpu"}
        have = set((read(parent / "cgroup.controllers") or "").split())
        if not want <= have:
            return False
        enabled = set((read(parent / "cgroup.subtree_control") or "").split())
        missing = want - enabled
        if not missing:
            return True
        try:
            write(parent / "cgroup.subtree_control", " ".join(f"+{c}" for c in sorted(missing)))
        except OSError:
            return False
        return want <= set((read(parent / "cgroup.subtree_control") or "").split())

    def create(self, name, memory_bytes, cpus):
        self.dir = self.parent / name
        self.dir.mkdir()
        self.dirs = [self.dir]
        write(self.dir / "memory.max", memory_bytes)
        if (self.dir / "memory.swap.max").exists():
            write(self.dir / "memory.swap.max", 0)
        write(self.dir / "cpu.max", f"{int(round(cpus * PERIOD_US))} {PERIOD_US}")
        self.procs_files = [self.dir / "cgroup.procs"]

    def current(self):
        return int(read(self.dir / "memory.current", "0") or 0)

    def figures(self):
        events = keyed(read(self.dir / "memory.events"))
        stat = keyed(read(self.dir / "cpu.stat"))
        peak = read(self.dir / "memory.peak")
        return {"peak_bytes": int(peak) if peak and peak.strip().isdigit() else None,
                "oom_kills": events.get("oom_kill", 0), "oom_events": events.get("oom", 0),
                "cpu_seconds": stat["usage_usec"] / 1e6 if "usage_usec" in stat else None,
                "throttled": stat.get("nr_throttled")}

    def remove(self):
        if (self.dir / "cgroup.kill").exists():
            try:
                write(self.dir / "cgroup.kill", 1)
            except OSError:
                pass
        kill_all(self.dir / "cgroup.procs")
        rmdir_retry(self.dir)


class CgroupV1:
    version = "v1"

    def __init__(self, roots):
        self.roots = roots   # {"memory": folder, "cpu": folder, "cpuacct": folder or None}

    @classmethod
    def find(cls, forced_parent=None):
        """The memory and cpu hierarchies of cgroup v1 (cpuacct too, for the CPU time)."""
        points = {}
        for point, fstype, options in mounts():
            if fstype == "cgroup":
                for c in ("memory", "cpu", "cpuacct"):
                    if c in options and c not in points:
                        points[c] = point
        if "memory" not in points or "cpu" not in points:
            return None
        own = own_cgroups()
        roots = {}
        for c, point in points.items():
            if forced_parent:
                roots[c] = Path(point) / str(forced_parent).lstrip("/")
            else:   # v1 allows a child beside our own processes: stay inside our own cgroup
                roots[c] = Path(point) / own.get(c, "/").lstrip("/")
                if not roots[c].is_dir():   # a container's namespace: the mount is our cgroup
                    roots[c] = Path(point)
        return cls(roots)

    def create(self, name, memory_bytes, cpus):
        self.dirs, seen = [], set()
        for c in ("memory", "cpu", "cpuacct"):
            if c not in self.roots:
                continue
            d = self.roots[c] / name
            if d in seen:        # cpu and cpuacct mounted together
                continue
            seen.add(d)
            d.mkdir()
            self.dirs.append(d)
        self.mem = self.roots["memory"] / name
        self.cpu = self.roots["cpu"] / name
        self.acct = self.roots["cpuacct"] / name if "cpuacct" in self.roots else None
        write(self.mem / "memory.limit_in_bytes", memory_bytes)
        if (self.mem / "memory.memsw.limit_in_bytes").exists():   # after limit_in_bytes: memsw >= it
            write(self.mem / "memory.memsw.limit_in_bytes", memory_bytes)
        write(self.cpu / "cpu.cfs_period_us", PERIOD_US)
        write(self.cpu / "cpu.cfs_quota_us", int(round(cpus * PERIOD_US)))
        self.procs_files = [d / "cgroup.procs" for d in self.dirs]

    def current(self):
        return int(read(self.mem / "memory.usage_in_bytes", "0") or 0)

    def figures(self):
        usage = read(self.acct / "cpuacct.usage") if self.acct else None
        peak = read(self.mem / "memory.max_usage_in_bytes")
        return {"peak_bytes": int(peak) if peak and peak.strip().isdigit() else None,
                "oom_kills": keyed(read(self.mem / "memory.oom_control")).get("oom_kill", 0),
                "oom_events": int(read(self.mem / "memory.failcnt", "0") or 0),
                "cpu_seconds": int(usage) / 1e9 if usage and usage.strip().isdigit() else None,
                "throttled": keyed(read(self.cpu / "cpu.stat")).get("nr_throttled")}

    def remove(self):
        for d in self.dirs:
            kill_all(d / "cgroup.procs")
        for d in self.dirs:
            rmdir_retry(d)


def find_cgroups(which, parent):
    if os.geteuid() != 0:
        raise Refused("must run as root: it makes cgroups, and the grader drops to its worker accounts only as root")
    if not sys.platform.startswith("linux"):
        raise Refused("Linux only: cgroups are a Linux feature")
    kinds = {"v2": [CgroupV2], "v1": [CgroupV1], "auto": [CgroupV2, CgroupV1]}[which]
    for kind in kinds:
        found = kind.find(parent)
        if found:
            return found
    raise Refused("no usable cgroup controller: need cgroup v2 with the memory and cpu controllers, "
                  "or cgroup v1 with the memory and cpu hierarchies mounted (see /proc/self/mounts)")


class KernelLog:
    """New kernel messages since start() (the OOM killer's), from /dev/kmsg; None if unreadable."""

    def __init__(self):
        try:
            self.fd = os.open("/dev/kmsg", os.O_RDONLY | os.O_NONBLOCK)
            os.lseek(self.fd, 0, os.SEEK_END)
        except OSError:
            self.fd = None

    def new_lines(self):
        if self.fd is None:
            return None
        lines = []
        while True:
            try:
                record = os.read(self.fd, 8192).decode(errors="replace")
            except BlockingIOError:
                return lines
            except OSError as exc:
                if exc.errno == errno.EPIPE:   # overwritten records: skip them
                    continue
                return lines
            if not record:
                return lines
            lines.append(record.split(";", 1)[-1].strip())

    def close(self):
        if self.fd is not None:
            os.close(self.fd)


def oom_victims(lines, cgroup_name, grader_pid, worker_uids):
    """Who the OOM killer killed in our cgroup: the grader (run_autograder's python), a
    worker, or another root process (the zygote). None when the kernel log is unreadable."""
    if lines is None:
        return None
    victims = []
    for line in lines:   # oom-kill:constraint=...,oom_memcg=/a/b,task_memcg=/a/b,task=python,pid=1,uid=0
        m = re.search(r"oom_memcg=([^,]*),task_memcg=[^,]*,task=(.*?),pid=(\d+),uid=(\d+)", line)
        if not m or not m.group(1).rstrip("/").endswith("/" + cgroup_name):
            continue
        pid, name, uid = int(m.group(3)), m.group(2), int(m.group(4))
        who = ("grader" if pid == grader_pid else "worker" if uid in worker_uids
               else "zygote/other" if uid == 0 else f"uid {uid}")
        victims.append({"pid": pid, "name": name, "uid": uid, "who": who})
    return victims


def worker_uids():
    import pwd
    uids = set()
    for entry in pwd.getpwall():
        if entry.pw_name.startswith("mlpworker") or entry.pw_name == "nobody":
            uids.add(entry.pw_uid)
    return uids


def simulated_root(submission):
    """A temporary Gradescope root: ROOT/submission/mlp.py and ROOT/results/, readable by the workers."""
    root = Path(tempfile.mkdtemp(prefix="gs-container-"))
    os.chmod(root, 0o755)
    (root / "submission").mkdir(mode=0o755)
    os.chmod(root / "submission", 0o755)
    shutil.copyfile(submission, root / "submission" / "mlp.py")
    os.chmod(root / "submission" / "mlp.py", 0o644)
    (root / "results").mkdir()
    return root


def summarise_results(path):
    if not path.exists():
        return {"results": False}
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        return {"results": False, "results_error": f"unreadable results.json: {exc}"}
    tests = data.get("tests", [])
    extra = data.get("extra_data") or {}
    return {"results": True, "score": data.get("score"),
            "max_score": sum(t.get("max_score", 0) for t in tests),
            "tests": len(tests),
            "killed_or_oom_tests": sum(bool(KILLED_OR_OOM.search(t.get("output", ""))) for t in tests),
            "timed_out_tests": sum(bool(TIMED_OUT.search(t.get("output", ""))) for t in tests),
            "grader_error": bool(extra.get("grader_error"))}


def leftovers(procs_files, grace=2.0):
    """Processes still in the cgroup once run_autograder has exited, after grace seconds
    for them to finish on their own: [(pid, command line)] (they are killed next)."""
    end = time.monotonic() + grace
    while True:
        pids = sorted({int(p) for f in procs_files for p in (read(f) or "").split()})
        if not pids or time.monotonic() >= end:
            break
        time.sleep(0.05)
    return [(pid, (read(f"/proc/{pid}/cmdline", "") or "").replace("\0", " ").strip()) for pid in pids]


def run_one(submission, cg, args, index):
    root = simulated_root(submission)
    name = f"gs-bench-{os.getpid()}-{index}"
    log = root / "run_autograder.log"
    env = {**os.environ, "AUTOGRADER_ROOT": str(root), "AUTOGRADER_PYTHON": args.python}
    row = {"submission": str(submission), "root": str(root)}
    if args.drop_caches:
        os.sync()
        write("/proc/sys/vm/drop_caches", 3)
    cg.create(name, args.memory_mb << 20, args.cpus)
    procs_files = [str(p) for p in cg.procs_files]

    def enter_cgroup():   # in the child, before exec: everything it starts is inside
        for p in procs_files:
            with open(p, "w") as f:
                f.write("0")

    kmsg = KernelLog()
    peak_polled = [0]
    stop = threading.Event()
    try:
        with open(log, "wb") as out:
            start = time.monotonic()
            proc = subprocess.Popen(["bash", str(CHECKOUT / "run_autograder")], cwd=CHECKOUT, env=env,
                                    stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                                    preexec_fn=enter_cgroup)

            def poll():   # threads only after the fork: preexec_fn and threads do not mix
                while not stop.is_set():
                    peak_polled[0] = max(peak_polled[0], cg.current())
                    stop.wait(0.02)

            poller = threading.Thread(target=poll, daemon=True)
            poller.start()
            try:
                row["exit"] = proc.wait(timeout=args.timeout)
                row["timed_out"] = False
            except subprocess.TimeoutExpired:
                for p in procs_files:
                    kill_all(p)
                row["exit"] = proc.wait()
                row["timed_out"] = True
            row["timeout"] = args.timeout
            row["wall_seconds"] = time.monotonic() - start
            stop.set()
            poller.join()
        figures = cg.figures()
        native = figures.pop("peak_bytes")
        row["peak_bytes"] = max(native or 0, peak_polled[0])
        row["peak_source"] = "kernel" if native else "polled"
        row.update(figures)
        time.sleep(0.2)   # the OOM killer's report lands just after the kill
        row["oom_victims"] = oom_victims(kmsg.new_lines(), name, proc.pid, worker_uids())
    finally:
        stop.set()
        kmsg.close()
        row["leftover_processes"] = leftovers(procs_files)
        cg.remove()
        row.update(summarise_results(root / "results" / "results.json"))
        row["log_tail"] = log.read_text(errors="replace")[-1500:] if log.exists() else ""
        if args.keep:
            row["kept"] = str(root)
        else:
            shutil.rmtree(root, ignore_errors=True)
    return row


def cpu_model():
    models = re.findall(r"^model name\s*:\s*(.+)$", read("/proc/cpuinfo", ""), re.M)
    return models[0].strip() if models else platform.processor() or platform.machine()


def header_line(args, cg):
    cpus = os.cpu_count()
    load = (read("/proc/loadavg", "") or "").split()[:3]
    parent = getattr(cg, "parent", None) or cg.roots.get("memory")
    return (f"limits: memory {args.memory_mb} MB (swap 0), cpu {args.cpus:g} | cgroup {cg.version} under {parent} | "
            f"cpu: {cpus} x {cpu_model()} | load {' '.join(load)} | kernel {platform.release()} | "
            f"{datetime.now(timezone.utc).astimezone().isoformat(timespec='seconds')}")


def verdict(row):
    if not row.get("results"):
        return "NO results.json (worst)" + (f", killed at the {row['timeout']:g} s timeout"
                                            if row.get("timed_out") else "")
    if row.get("grader_error"):
        return "grader error"
    if row.get("timed_out"):
        return "timed out"
    return "graded"


def table(rows):
    cols = ["submission", "exit", "results.json", "score", "wall s", "cpu s", "peak MB", "oom kills",
            "killed/oom tests", "timeout tests", "verdict"]
    body = []
    for r in rows:
        name = Path(r["submission"])
        name = f"{name.parent.name}/{name.name}"
        victims = r.get("oom_victims")
        kills = str(r.get("oom_kills", "?"))
        if victims:
            kills += " (" + ", ".join(sorted({v["who"] for v in victims})) + ")"
        score = f"{r['score']:g}/{r['max_score']:g}" if r.get("results") and r.get("score") is not None else "-"
        body.append([name, str(r.get("exit")), "yes" if r.get("results") else "MISSING", score,
                     f"{r['wall_seconds']:.1f}", "-" if r.get("cpu_seconds") is None else f"{r['cpu_seconds']:.1f}",
                     f"{r['peak_bytes'] / 2**20:.0f}", kills,
                     str(r.get("killed_or_oom_tests", "-")), str(r.get("timed_out_tests", "-")), verdict(r)])
    widths = [max(len(c), *(len(b[i]) for b in body)) if body else len(c) for i, c in enumerate(cols)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(cols, widths)).rstrip()]
    lines += ["  ".join(v.ljust(w) for v, w in zip(b, widths)).rstrip() for b in body]
    return "\n".join(lines)


def interrupted(signum, frame):
    """A SIGTERM becomes an exception, so that the finally clauses remove the cgroups."""
    raise KeyboardInterrupt


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("submissions", nargs="*", type=Path, metavar="SUBMISSION",
                        help="mlp.py files (default: the reference, a buggy one, memory_creep, infinite_loop)")
    parser.add_argument("--memory-mb", type=int, default=768, help="memory limit of the container (default 768)")
    parser.add_argument("--cpus", type=float, default=0.5, help="CPU share of the container (default 0.5)")
    parser.add_argument("--python", default=str(CHECKOUT / ".venv" / "bin" / "python"),
                        help="AUTOGRADER_PYTHON (default: the checkout's .venv/bin/python)")
    parser.add_argument("--timeout", type=float, default=700, help="seconds before a run is killed (default 700)")
    parser.add_argument("--json", type=Path, help="also write every figure to this file")
    parser.add_argument("--cgroup", choices=["auto", "v1", "v2"], default="auto")
    parser.add_argument("--parent", help="cgroup path (relative to each hierarchy's mount) to make the cgroups in")
    parser.add_argument("--drop-caches", action="store_true", help="empty the page cache before each run")
    parser.add_argument("--keep", action="store_true", help="keep each simulated root (and its log)")
    args = parser.parse_args(argv)
    if os.geteuid() != 0:
        print("gradescope_container: must run as root: it makes cgroups, and the grader drops to its "
              "worker accounts only as root", file=sys.stderr)
        return 2
    # Absolute, but not resolved: a virtual environment's python is a link that must stay one.
    args.python = os.path.abspath(args.python)
    subs = [p.resolve() for p in (args.submissions or DEFAULT_SUBMISSIONS)]
    for p in subs:
        if not p.is_file():
            parser.error(f"no such file: {p}")
    if not os.access(args.python, os.X_OK):
        parser.error(f"not an executable: {args.python}")
    if args.memory_mb <= 0 or args.cpus <= 0:
        parser.error("--memory-mb and --cpus must be positive")
    try:
        cg = find_cgroups(args.cgroup, args.parent)
    except Refused as exc:
        print(f"gradescope_container: {exc}", file=sys.stderr)
        return 2

    head = header_line(args, cg)
    print(head, flush=True)
    signal.signal(signal.SIGTERM, interrupted)
    rows = []
    try:
        for i, sub in enumerate(subs):
            print(f"  running {sub.relative_to(CHECKOUT) if sub.is_relative_to(CHECKOUT) else sub} ...",
                  file=sys.stderr, flush=True)
            try:
                rows.append(run_one(sub, cg, args, i))
            except OSError as exc:
                print(f"gradescope_container: could not set up the cgroup: {exc}", file=sys.stderr)
                return 2
    except KeyboardInterrupt:
        print("interrupted; the cgroups are removed", file=sys.stderr)
        return 130
    print(table(rows))
    for r in rows:
        if r.get("oom_victims"):
            who = ", ".join(f"{v['who']} pid {v['pid']} ({v['name']}, uid {v['uid']})" for v in r["oom_victims"])
            print(f"  {Path(r['submission']).name}: OOM killer killed {who}")
        if not r.get("results"):
            tail = r["log_tail"].strip().splitlines()[-3:] or ["(it printed nothing)"]
            print(f"  {Path(r['submission']).name}: no results.json; run_autograder's last lines:")
            for line in tail:
                print(f"      {line}")
        if r.get("leftover_processes"):
            print(f"  {Path(r['submission']).name}: {len(r['leftover_processes'])} process(es) still in the "
                  "cgroup 2 s after run_autograder exited (killed):")
            for pid, cmd in r["leftover_processes"]:
                print(f"      {pid} {cmd[:120]}")
    if args.json:
        args.json.write_text(json.dumps({"header": head, "memory_mb": args.memory_mb, "cpus": args.cpus,
                                         "cgroup": cg.version, "cpu_count": os.cpu_count(),
                                         "cpu_model": cpu_model(), "date": datetime.now().isoformat(),
                                         "python": args.python, "rows": rows}, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
