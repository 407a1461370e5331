"""A class split over a real Slurm array merges to exactly the grades of one run.

The test starts a one-node Slurm on localhost (munged, slurmctld, slurmd from Debian's
packages: `apt-get install slurmctld slurmd slurm-client munge`), as root, with every
state and spool folder under a temporary folder, and runs examples/slurm/grade-class.sbatch
as an instructor would: an array of 3 parts, then the dependent merge job. Where Slurm
cannot start here (not installed, not root), it is skipped with the reason, and the same
3 parts run as separate processes with `--shard auto` and Slurm's variables instead.
"""
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import ROOT, SUBMISSIONS, reference, starter

SEED = 41
CLASS = [reference(), SUBMISSIONS / "buggy" / "grad_no_divide_by_m.py",
         SUBMISSIONS / "buggy" / "loss_sum_not_mean.py", SUBMISSIONS / "hostile" / "crash_segfault.py",
         SUBMISSIONS / "buggy" / "forward_missing_b1.py", starter()]
ENV = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "AUTOGRADER_LANGUAGE": "en"}
SLURM_CONF = """ClusterName=grading
SlurmctldHost=localhost
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
ReturnToService=2
MpiDefault=none
SlurmctldPort={ctld_port}
SlurmdPort={d_port}
StateSaveLocation={state}/ctld
SlurmdSpoolDir={state}/d
SlurmctldPidFile={state}/slurmctld.pid
SlurmdPidFile={state}/slurmd.pid
SlurmctldLogFile={state}/slurmctld.log
SlurmdLogFile={state}/slurmd.log
JobCompType=jobcomp/none
AccountingStorageType=accounting_storage/none
NodeName=localhost CPUs={cpus} RealMemory=8000 State=UNKNOWN
PartitionName=grading Nodes=localhost Default=YES MaxTime=INFINITE State=UP
"""


def make_class(folder):
    folder.mkdir()
    for i, path in enumerate(CLASS):
        shutil.copy(path, folder / f"s{i}_{path.stem}.py")
    return folder


def one_run(source, out):
    proc = subprocess.run([sys.executable, "-m", "autograder", "grade-all", str(source), "--out", str(out),
                           "--jobs", "2", "--seed", str(SEED)], cwd=ROOT, capture_output=True, text=True,
                          timeout=600, env=ENV)
    assert proc.returncode == 0, proc.stderr


def _free_port():
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Slurm:
    """munged, slurmctld and slurmd on localhost, stopped by the pids they wrote."""

    def __init__(self, state):
        self.state, self.pids, self.env = state, [], None

    def why_not(self):
        if os.geteuid() != 0:
            return "a one-node Slurm needs root here (SlurmUser=root, no systemd)"
        missing = [t for t in ("munged", "slurmctld", "slurmd", "sbatch") if not shutil.which(t, path=ENV["PATH"])]
        if missing:
            return f"Slurm is not installed ({', '.join(missing)} missing: apt-get install slurmctld slurmd slurm-client munge)"
        return None

    def start(self):
        """None when it runs, else why it could not start."""
        why = self.why_not()
        if why:
            return why
        for sub in ("ctld", "d"):
            (self.state / sub).mkdir(parents=True)
        if subprocess.run("munge -n | unmunge", shell=True, capture_output=True, timeout=30).returncode != 0:
            run = Path("/run/munge")   # munged's own folder, as Debian's service makes it
            run.mkdir(parents=True, exist_ok=True)
            shutil.chown(run, "munge", "munge")
            subprocess.run(["su", "-s", "/bin/sh", "munge", "-c", "munged"], capture_output=True, timeout=30)
            self._remember(run / "munged.pid")
            if subprocess.run("munge -n | unmunge", shell=True, capture_output=True, timeout=30).returncode != 0:
                return "munged did not start"
        conf = self.state / "slurm.conf"
        conf.write_text(SLURM_CONF.format(ctld_port=_free_port(), d_port=_free_port(), state=self.state,
                                          cpus=os.cpu_count() or 2))
        self.env = {**ENV, "SLURM_CONF": str(conf)}
        for daemon in ("slurmctld", "slurmd"):   # each forks into the background and writes its pid
            proc = subprocess.run([daemon, "-f", str(conf)], env=self.env, capture_output=True, text=True, timeout=60)
            self._remember(self.state / f"{daemon}.pid")
            if proc.returncode != 0:
                return f"{daemon} did not start: {proc.stderr.strip()[-300:]}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            info = subprocess.run(["sinfo", "-h", "-o", "%t"], env=self.env, capture_output=True, text=True)
            if info.returncode == 0 and info.stdout.strip() in ("idle", "mix", "alloc"):
                return None
            time.sleep(0.5)
        log = (self.state / "slurmctld.log").read_text(errors="replace")[-400:] if (self.state / "slurmctld.log").exists() else ""
        return f"the Slurm node did not become idle within 60 s: {info.stdout.strip()} {info.stderr.strip()} {log}"

    def _remember(self, pidfile):
        """The daemon's pid, once its pid file holds one: a daemon creates the file first
        and writes it after, so an empty file is waited on too."""
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not self._pid_in(pidfile):
            time.sleep(0.1)
        pid = self._pid_in(pidfile)
        if pid:
            self.pids.append(pid)

    @staticmethod
    def _pid_in(pidfile):
        try:
            return int(pidfile.read_text().split()[0])
        except (OSError, IndexError, ValueError):
            return None

    def stop(self):
        for pid in reversed(self.pids):
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + 15
        for pid in self.pids:
            while time.monotonic() < deadline and Path(f"/proc/{pid}").exists():
                time.sleep(0.1)

    def wait_for_jobs(self, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            queue = subprocess.run(["squeue", "-h", "-o", "%i %T"], env=self.env, capture_output=True, text=True)
            if queue.returncode == 0 and not queue.stdout.strip():
                return
            time.sleep(1)
        raise AssertionError(f"Slurm jobs still queued after {timeout} s: {queue.stdout}")


def test_a_slurm_array_merges_to_one_run(tmp_path):
    source = make_class(tmp_path / "class")
    one_run(source, tmp_path / "one")
    out = tmp_path / "out"
    slurm = Slurm(tmp_path / "slurm")
    why = slurm.start()
    try:
        if why is None:
            proc = subprocess.run(["bash", str(ROOT / "examples" / "slurm" / "grade-class.sbatch"), str(source),
                                   str(out), str(SEED), "3"], cwd=ROOT, env=slurm.env, capture_output=True,
                                  text=True, timeout=120)
            assert proc.returncode == 0 and "merge job" in proc.stdout, proc.stdout + proc.stderr
            slurm.wait_for_jobs(900)
            logs = "\n".join(p.read_text(errors="replace")[-1500:] for p in sorted(out.glob("slurm-*.out")))
            assert len(list(out.glob("slurm-*_*.out"))) == 3, logs   # three array tasks
            assert (out / "grades.csv").exists(), logs
        else:   # the same parts, as separate processes with the variables Slurm sets
            procs = [subprocess.Popen([sys.executable, "-m", "autograder", "grade-all", str(source), "--out", str(out),
                                       "--jobs", "1", "--seed", str(SEED), "--shard", "auto"], cwd=ROOT,
                                      stderr=subprocess.PIPE, text=True,
                                      env={**ENV, "SLURM_ARRAY_TASK_ID": str(k), "SLURM_ARRAY_TASK_MIN": "0",
                                           "SLURM_ARRAY_TASK_COUNT": "3"}) for k in range(3)]
            for p in procs:
                _, err = p.communicate(timeout=600)
                assert p.returncode == 0, err
            merge = subprocess.run([sys.executable, "-m", "autograder", "merge", str(out), "--out", str(out)],
                                   cwd=ROOT, capture_output=True, text=True, timeout=300, env=ENV)
            assert merge.returncode == 0, merge.stderr
    finally:
        slurm.stop()
    assert sorted(p.name for p in (out / "parts").iterdir()) == ["0-of-3.json", "1-of-3.json", "2-of-3.json"]
    assert (out / "grades.csv").read_bytes() == (tmp_path / "one" / "grades.csv").read_bytes()
    assert (out / "report.html").read_bytes() == (tmp_path / "one" / "report.html").read_bytes()
    if why:
        pytest.skip(f"no real Slurm ({why}); the 3 parts ran as separate processes instead and merged to one run")
