"""The autograder zip in real Docker, built and run the way Gradescope builds and runs it.

    sudo .venv/bin/python bench/gradescope_docker.py [--zip dist/task1/autograder.zip]
         [--memory 768m] [--cpus 0.5] [--network none] [--timeout 600] [--json PATH]
         [--start-dockerd] [--drop-caches] [--rebuild] SUBMISSION ...

First the image, built once and then reused (docker's own store keeps it):

- the base: gradescope/autograder-base when it is here or can be pulled; else Debian bookworm
  made with `debootstrap --variant=minbase` and `docker import`, tagged with a hash of that
  recipe. Its root file system is also kept as a tarball in /var/cache/autograder-docker/, so
  that a wiped docker store imports it again instead of running debootstrap.
- the graded image: in a container of the base, the zip is unzipped into /autograder/source,
  its run_autograder copied to /autograder/run_autograder (as Gradescope does), and
  /autograder/source/setup.sh run once; then `docker commit`, tagged with the zip's sha256.
  That container has --network host, so that apt and pip reach the package registries, and
  pip reads what the host's pip reads (`pip config list`): its local folders of wheels and
  indexes, mounted read-only (PIP_FIND_LINKS, PIP_EXTRA_INDEX_URL), and its CA bundle (PIP_CERT).

Then, for each submission (an `mlp.py`), a fresh container with Gradescope's default limits
(768 MB, half a CPU, no network; Docker's default seccomp profile and capabilities), the file
copied to /autograder/submission/mlp.py, and /autograder/run_autograder run in it with the
overall timeout (10 minutes). Printed per submission: the exit status, whether results.json
was written, the score, the wall time, and the kernel's own figures for the container's
cgroup (v1 or v2): its CPU time, its peak memory (memory.max_usage_in_bytes, memory.peak) and
how many processes the OOM killer killed in it; then Docker's OOMKilled flag and the end of
the grader's stderr. The containers are removed at the end; the images are kept.

The container stays up (`sleep` under docker's init) while run_autograder is run in it with
`docker exec`, so that its cgroup can still be read once grading is over. Linux, as root,
with docker and debootstrap (`apt-get install docker.io debootstrap`); this script installs
nothing. `--start-dockerd` starts the daemon when none answers, without touching the host's
network: dockerd --iptables=false --ip-masq=false --bridge=none.

Caveat: page cache is charged to the cgroup that first read a file. Torch's files, read by an
earlier container, are not charged to the next one; `--drop-caches` empties the page cache
before each container, which then fills up to near its limit with cache the kernel reclaims.
"""
import argparse
import contextlib
import fcntl
import hashlib
import json
import os
import platform
import pwd
import re
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
import zipfile
from datetime import datetime, timezone
from pathlib import Path

CHECKOUT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(CHECKOUT))
from autograder.sandbox.accounts import lock_folder  # noqa: E402  (the lock files of this machine's worker accounts)

sys.path.insert(0, str(Path(__file__).resolve().parent))
from gradescope_container import read  # noqa: E402  (a file's text, or default)

DEFAULT_ZIP = CHECKOUT / "dist" / "task1" / "autograder.zip"   # what `make build` writes
CACHE = Path("/var/cache/autograder-docker")
GRADESCOPE_BASE = "gradescope/autograder-base:latest"
PULL_SECONDS = 30
SUITE, PACKAGES = "bookworm", "python3,python3-venv,python3-pip,ca-certificates,unzip"
HOST_CERT = "/etc/ssl/host-pip-cert.pem"   # where the host's pip CA bundle is mounted for setup.sh
BASE_REPO, IMAGE_REPO = "autograder-docker-base", "autograder-docker"
KEEP_IMAGES = 3   # graded images kept, one per autograder.zip, the newest
DOCKERD = ["dockerd", "--iptables=false", "--ip-masq=false", "--bridge=none"]
HOW_TO_GET = ("install it with `apt-get install docker.io debootstrap`, start the daemon with "
              "`dockerd --iptables=false --ip-masq=false --bridge=none > /var/log/dockerd.log 2>&1 &` "
              "(or run this script with --start-dockerd), and run this as root")
# What setup needs in the image before setup.sh runs: Gradescope's folders, the zip in
# source/, and run_autograder where Gradescope runs it.
PREPARE = ("set -e; mkdir -p /autograder/source /autograder/submission /autograder/results; "
           "unzip -q /tmp/autograder.zip -d /autograder/source; "
           "cp /autograder/source/run_autograder /autograder/run_autograder; chmod 755 /autograder/run_autograder; "
           "cd /autograder/source; bash ./setup.sh")


class Refused(Exception):
    """This machine cannot build or run the image: the message says why (exit status 2)."""


def say(text):
    print(f"gradescope_docker: {text}", flush=True)


def docker(*args, timeout=None, check=True):
    proc = subprocess.run(["docker", *args], capture_output=True, text=True, timeout=timeout)
    if check and proc.returncode != 0:
        raise Refused(f"docker {' '.join(args[:2])} failed: {proc.stderr.strip()[-800:]}")
    return proc


def image_labels(name):
    """The labels of a local image ({} when it has none), or None when there is no such image."""
    proc = docker("image", "inspect", "--format", "{{json .Config.Labels}}", name, check=False)
    if proc.returncode != 0:
        return None
    return json.loads(proc.stdout) or {}


def daemon_answers():
    try:
        return docker("info", "--format", "{{.ServerVersion}}", timeout=30, check=False).returncode == 0
    except subprocess.TimeoutExpired:
        return False


def start_dockerd():
    """Start dockerd as HOW_TO_GET says, detached; it keeps running after this script."""
    if os.geteuid() != 0 or not shutil.which("dockerd"):
        raise Refused(f"cannot start dockerd (not root, or no dockerd binary): {HOW_TO_GET}")
    CACHE.mkdir(parents=True, exist_ok=True)
    log = CACHE / "dockerd.log"
    say(f"no docker daemon answers: starting `{' '.join(DOCKERD)}` (its log: {log})")
    with open(log, "ab") as out:
        proc = subprocess.Popen(DOCKERD, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)
    for _ in range(120):
        if daemon_answers():
            say(f"dockerd is up (pid {proc.pid}); it keeps running after this script: `kill {proc.pid}` stops it")
            return proc.pid
        if proc.poll() is not None:
            break
        time.sleep(0.5)
    raise Refused(f"dockerd did not come up (exit {proc.poll()}); see {log}")


def check_docker(start):
    """None, or the pid of the dockerd started here. Refused when docker cannot run."""
    if not shutil.which("docker"):
        raise Refused(f"no `docker` command: {HOW_TO_GET}")
    if daemon_answers():
        return None
    if start:
        return start_dockerd()
    raise Refused(f"the docker daemon cannot be reached: {HOW_TO_GET}")


def debian_mirror():
    """The first Debian mirror serving SUITE in the host's apt sources (one-line or deb822)."""
    folder = Path("/etc/apt/sources.list.d")
    files = [Path("/etc/apt/sources.list"), *sorted(folder.glob("*.list")), *sorted(folder.glob("*.sources"))]
    for path in files:
        text = path.read_text() if path.is_file() else ""
        if path.suffix == ".sources":
            for stanza in re.split(r"\n\s*\n", text):
                fields = dict(re.findall(r"^([\w-]+):\s*(.*)$", stanza, re.M))
                if "deb" in fields.get("Types", "").split() and SUITE in fields.get("Suites", "").split():
                    return fields["URIs"].split()[0]
        for line in text.splitlines():   # deb [options] URI suite component...
            words = re.sub(r"\[[^]]*\]", "", line).split()
            if len(words) >= 3 and words[0] == "deb" and words[2] == SUITE:
                return words[1]
    return "http://deb.debian.org/debian"


def base_image():
    """The image setup.sh runs in: Gradescope's own, else Debian made here. Returns (name, seconds)."""
    start = time.monotonic()
    if image_labels(GRADESCOPE_BASE) is not None:
        say(f"base: {GRADESCOPE_BASE}, already here")
        return GRADESCOPE_BASE, 0.0
    try:
        pulled = docker("pull", GRADESCOPE_BASE, timeout=PULL_SECONDS, check=False)
        why = (pulled.stderr.strip().splitlines() or ["?"])[-1]
    except subprocess.TimeoutExpired:
        pulled, why = None, f"no answer within {PULL_SECONDS} s"
    if pulled and pulled.returncode == 0:
        say(f"base: {GRADESCOPE_BASE}, pulled in {time.monotonic() - start:.0f} s")
        return GRADESCOPE_BASE, time.monotonic() - start
    recipe = f"debootstrap --variant=minbase --include={PACKAGES} {SUITE} ROOTFS {debian_mirror()}"
    key = hashlib.sha256(recipe.encode()).hexdigest()[:12]
    name = f"{BASE_REPO}:{key}"
    say(f"cannot pull {GRADESCOPE_BASE} ({why[:200]}); the base is Debian instead: {recipe}")
    if image_labels(name) is not None:
        say(f"base: {name}, cached")
        return name, time.monotonic() - start
    CACHE.mkdir(parents=True, exist_ok=True)
    tarball = CACHE / f"rootfs-{key}.tar"
    if tarball.exists():
        say(f"importing the root file system kept in {tarball}")
    else:
        if not shutil.which("debootstrap"):
            raise Refused("no debootstrap to make the base image: apt-get install debootstrap")
        say(f"running debootstrap into {CACHE} (a minute or two) ...")
        rootfs = Path(tempfile.mkdtemp(prefix="rootfs-", dir=CACHE))
        try:
            made = subprocess.run(recipe.replace("ROOTFS", str(rootfs)).split(), capture_output=True, text=True)
            if made.returncode != 0:
                raise Refused(f"debootstrap failed: {(made.stdout + made.stderr)[-1500:]}")
            part = tarball.with_suffix(".part")
            with open(part, "wb") as out:
                subprocess.run(["tar", "-C", str(rootfs), "-c", "."], stdout=out, check=True)
            part.rename(tarball)
        finally:
            shutil.rmtree(rootfs, ignore_errors=True)
    docker("import", "--change", f"LABEL autograder.recipe={json.dumps(recipe)}", str(tarball), name)
    say(f"base: {name}, made in {time.monotonic() - start:.0f} s")
    return name, time.monotonic() - start


def host_pip_settings():
    """What the host's pip is set to read, from `pip config list`: its local folders of wheels
    (find-links, and file:// or plain-path extra indexes) and its CA bundle (cert: a proxy
    between this machine and the registries may sign with its own CA). Returns the -v
    options and the PIP_* variables that give the setup container the same."""
    proc = subprocess.run([sys.executable, "-m", "pip", "config", "list"], capture_output=True, text=True)
    found = {"find-links": [], "extra-index-url": [], "cert": []}
    for key, value in re.findall(r"^[^.\n]*\.([\w-]+)='(.*)'$", proc.stdout, re.M):
        for item in value.split() if key in found else []:
            path = item.removeprefix("file://")
            if path.startswith("/") and os.path.exists(path) and item not in found[key]:
                found[key].append(item)
    volumes, env = [], {}
    for item in found["find-links"] + found["extra-index-url"]:
        folder = Path(item.removeprefix("file://"))
        folder = folder.parent if folder.name == "simple" else folder   # an index links to ../../files/
        if f"{folder}:{folder}:ro" not in volumes:
            volumes.append(f"{folder}:{folder}:ro")
    if found["find-links"]:
        env["PIP_FIND_LINKS"] = " ".join(found["find-links"])
    if found["extra-index-url"]:
        env["PIP_EXTRA_INDEX_URL"] = " ".join(found["extra-index-url"])
    if found["cert"]:   # beside the image's own bundle, not over it
        volumes.append(f"{found['cert'][0]}:{HOST_CERT}:ro")
        env["PIP_CERT"] = HOST_CERT
    return volumes, env


def graded_image(zip_path, rebuild):
    """The base with the zip set up in it, as Gradescope builds it. Returns (name, build record)."""
    digest = hashlib.sha256(zip_path.read_bytes()).hexdigest()
    name = f"{IMAGE_REPO}:{digest[:16]}"
    labels = image_labels(name)
    if labels is not None and not rebuild:
        say(f"cached image {name} (autograder.zip sha256 {digest[:16]}...), built {labels.get('autograder.built')} "
            f"on {labels.get('autograder.base')}; that build took about {labels.get('autograder.build_seconds')} s")
        return name, {"cached": True, "image": name, "zip_sha256": digest, **labels}
    start = time.monotonic()
    base, base_seconds = base_image()
    volumes, env = host_pip_settings()
    exports = "".join(f"export {k}={shlex.quote(v)}; " for k, v in env.items())   # not kept in the image
    container = f"gs-docker-setup-{os.getpid()}"
    CACHE.mkdir(parents=True, exist_ok=True)
    log = CACHE / f"setup-{digest[:16]}.log"
    say(f"running setup.sh in {base} (--network host; pip also reads "
        f"{', '.join(v.split(':')[0] for v in volumes) or 'nothing of the host'}; "
        f"its output: {log}) ...")
    cmd = ["docker", "run", "--name", container, "--network", "host", "-v", f"{zip_path}:/tmp/autograder.zip:ro"]
    for volume in volumes:
        cmd += ["-v", volume]
    try:
        with open(log, "w") as out:
            ran = subprocess.run([*cmd, base, "bash", "-c", exports + PREPARE], stdout=out, stderr=subprocess.STDOUT)
        setup_seconds = time.monotonic() - start - base_seconds
        if ran.returncode != 0:
            tail = "\n".join(log.read_text(errors="replace").splitlines()[-15:])
            raise Refused(f"setup.sh failed (exit {ran.returncode}) after {setup_seconds:.0f} s; "
                          f"its last lines (all of it: {log}):\n{tail}")
        total = time.monotonic() - start
        built = datetime.now(timezone.utc).astimezone().isoformat(timespec="seconds")
        labels = {"autograder.zip_sha256": digest, "autograder.base": base, "autograder.built": built,
                  "autograder.build_seconds": f"{total:.0f}"}
        docker("commit", "--change", 'CMD ["bash"]', "--change", "WORKDIR /autograder",
               *[a for k, v in labels.items() for a in ("--change", f"LABEL {k}={json.dumps(v)}")], container, name)
    finally:
        docker("rm", "-f", container, check=False)
    total = time.monotonic() - start
    say(f"built {name} in {total:.0f} s (base {base_seconds:.0f} s, setup.sh {setup_seconds:.0f} s, "
        f"commit {total - base_seconds - setup_seconds:.0f} s); the next run with this zip reuses it")
    # Each zip gets its own image (about 1.2 GB over the base): keep only the newest few.
    listed = docker("images", IMAGE_REPO, "--format", "{{.CreatedAt}}\t{{.Repository}}:{{.Tag}}").stdout
    older = [line.split("\t")[1] for line in sorted(listed.splitlines(), reverse=True)[KEEP_IMAGES:]]
    if older:
        docker("rmi", *older, check=False)
        say(f"removed {len(older)} older graded image(s), keeping the newest {KEEP_IMAGES}: {', '.join(older)}")
    return name, {"cached": False, "image": name, "zip_sha256": digest, "base": base, "seconds": total,
                  "base_seconds": base_seconds, "setup_seconds": setup_seconds}


def cgroup_files(pid):
    """The kernel's own figures for the cgroup that holds pid: {"peak": memory.max_usage_in_bytes
    (cgroup v1) or memory.peak (v2, kernel 5.19 and later), "cpu": cpuacct.usage (v1, ns) or
    cpu.stat (v2, usage_usec), "oom": memory.oom_control (v1) or memory.events (v2), whose
    oom_kill counts the processes the OOM killer killed}; a file that is not there is left out."""
    v1, v2 = {}, None
    for line in (read("/proc/self/mounts") or "").splitlines():
        _, point, fstype, options = line.split()[:4]
        for controller in ("memory", "cpuacct"):
            if fstype == "cgroup" and controller in options.split(","):
                v1.setdefault(controller, point)
        v2 = v2 or (point if fstype == "cgroup2" else None)
    candidates = {"peak": [], "cpu": [], "oom": []}   # v1's first: a v1 machine may mount an empty v2 too
    for line in (read(f"/proc/{pid}/cgroup") or "").splitlines():
        _, controllers, path = line.split(":", 2)
        path = path.lstrip("/")
        if "memory" in controllers.split(",") and "memory" in v1:
            candidates["peak"].insert(0, Path(v1["memory"], path, "memory.max_usage_in_bytes"))
            candidates["oom"].insert(0, Path(v1["memory"], path, "memory.oom_control"))
        if "cpuacct" in controllers.split(",") and "cpuacct" in v1:
            candidates["cpu"].insert(0, Path(v1["cpuacct"], path, "cpuacct.usage"))
        if controllers == "" and v2:
            for key, name in (("peak", "memory.peak"), ("cpu", "cpu.stat"), ("oom", "memory.events")):
                candidates[key].append(Path(v2, path, name))
    found = {key: [p for p in paths if p.exists()] for key, paths in candidates.items()}
    return {key: paths[0] for key, paths in found.items() if paths}


def cpu_seconds(path):
    """The CPU time a cgroup has used so far, from cgroup_files' "cpu" file."""
    text = read(path) or ""
    if path.name == "cpu.stat":
        m = re.search(r"^usage_usec (\d+)", text, re.M)
        return int(m.group(1)) / 1e6 if m else None
    return int(text) / 1e9 if text.strip().isdigit() else None


def to_bytes(text):
    """docker stats' '123.4MiB' (or kB, GB, ...) in bytes."""
    m = re.match(r"([\d.]+)\s*([kKMGT]?i?B)", text.strip())
    units = {"B": 1, "kB": 1e3, "KiB": 2**10, "MB": 1e6, "MiB": 2**20, "GB": 1e9, "GiB": 2**30}
    return int(float(m.group(1)) * units.get(m.group(2), 1)) if m else 0


def as_text(output):
    """What a timed-out subprocess.run had read: bytes, whatever text= said."""
    return output.decode(errors="replace") if isinstance(output, bytes) else output or ""


def worker_uids(zip_path, image):
    """The uids of the image's worker accounts (config.toml's `user` followed by a number)."""
    config = zipfile.ZipFile(zip_path).read("autograder/config.toml").decode()
    user = re.search(r'^user *= *"([^"]*)"', config, re.M).group(1)
    passwd = docker("run", "--rm", "--network", "none", image, "cat", "/etc/passwd").stdout
    return {int(uid) for name, uid in re.findall(r"^([^:]+):[^:]*:(\d+):", passwd, re.M)
            if re.fullmatch(re.escape(user) + r"\d+", name)}


@contextlib.contextmanager
def host_accounts_held(uids):
    """Hold the locks of this machine's accounts that share a uid with the container's workers.

    Docker gives the container no user namespace: its worker mlpworker0 may be this machine's
    mlpworker1, same uid. A grader on this machine that takes that account first kills every
    process of its uid, the container's included (autograder/sandbox/accounts.py), and the
    student reads that their code was killed from outside. Holding the account's lock, as a
    grading session does, keeps graders of this machine off it while the container runs."""
    folder, fds = lock_folder(), []
    try:
        for name in sorted(e.pw_name for e in pwd.getpwall() if e.pw_uid in uids):
            fds.append(os.open(folder / f"{name}.lock", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600))
            try:
                fcntl.flock(fds[-1], fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                say(f"waiting for a grading session of this machine to free {name} (its uid is a worker's "
                    "in the container)")
                fcntl.flock(fds[-1], fcntl.LOCK_EX)
        yield
    finally:
        for fd in fds:
            os.close(fd)


class Watch(threading.Thread):
    """While a submission is graded: processes outside its container that run as one of its
    workers' uids (see host_accounts_held: they should be none), and, where no cgroup file
    gives the peak, docker stats' memory samples."""

    def __init__(self, container, uids, sample_memory):
        super().__init__(daemon=True)
        self.container, self.uids, self.sample_memory = container, uids, sample_memory
        self.stop, self.peak, self.clashes = threading.Event(), 0, {}
        pid = docker("inspect", "--format", "{{.State.Pid}}", container).stdout.strip()
        self.init_pid, self.namespace = int(pid), os.readlink(f"/proc/{pid}/ns/pid")

    def run(self):
        while not self.stop.wait(0.5):
            for pid in filter(str.isdigit, os.listdir("/proc")):
                try:
                    outside = os.readlink(f"/proc/{pid}/ns/pid") != self.namespace
                    if outside and os.stat(f"/proc/{pid}").st_uid in self.uids:
                        self.clashes[int(pid)] = (read(f"/proc/{pid}/cmdline") or "").replace("\0", " ")[:120]
                except OSError:
                    pass
            if self.sample_memory:
                out = docker("stats", "--no-stream", "--format", "{{.MemUsage}}", self.container, check=False).stdout
                self.peak = max(self.peak, to_bytes(out.split("/")[0]) if out else 0)


def run_one(image, uids, submission, args, index):
    """Grade one submission in a fresh container; returns its row."""
    name = f"gs-docker-{os.getpid()}-{index}"
    row = {"submission": str(submission), "container": name}
    if args.drop_caches:
        os.sync()
        with open("/proc/sys/vm/drop_caches", "w") as f:
            f.write("3")
    limits = ["--memory", args.memory, "--cpus", str(args.cpus), "--network", args.network]
    with host_accounts_held(uids), contextlib.ExitStack() as cleanup:
        cleanup.callback(docker, "rm", "-f", name, check=False)
        docker("run", "-d", "--name", name, "--init", *limits, image, "sleep", "infinity")
        docker("cp", str(submission), f"{name}:/autograder/submission/mlp.py")
        watch = Watch(name, uids, sample_memory=False)
        cleanup.callback(watch.stop.set)
        files = cgroup_files(watch.init_pid)
        watch.sample_memory = "peak" not in files   # no cgroup file to read: sample docker stats instead
        watch.start()
        cpu_before = cpu_seconds(files["cpu"]) if "cpu" in files else None
        start = time.monotonic()
        try:
            ran = subprocess.run(["docker", "exec", name, "/autograder/run_autograder"], capture_output=True,
                                 text=True, timeout=args.timeout)
            row.update(exit=ran.returncode, timed_out=False, stdout=ran.stdout[-3000:], stderr=ran.stderr[-3000:])
        except subprocess.TimeoutExpired as exc:
            row.update(exit=None, timed_out=True, stdout=as_text(exc.stdout)[-3000:],
                       stderr=as_text(exc.stderr)[-3000:])
        row["wall_seconds"] = time.monotonic() - start
        watch.stop.set()
        cpu_after = cpu_seconds(files["cpu"]) if "cpu" in files else None
        row["cpu_seconds"] = cpu_after - cpu_before if cpu_before is not None and cpu_after is not None else None
        kernel_peak = read(files["peak"]) if "peak" in files else None
        row["peak_bytes"] = int(kernel_peak) if kernel_peak else watch.peak
        row["peak_source"] = str(files["peak"]) if kernel_peak else "docker stats (sampled)"
        kills = re.search(r"^oom_kill (\d+)", read(files["oom"]) or "", re.M) if "oom" in files else None
        row["oom_kills"] = int(kills.group(1)) if kills else None
        row["uid_clashes"] = [f"{pid} {cmd}" for pid, cmd in sorted(watch.clashes.items())]
        docker("kill", name, check=False)
        with tempfile.TemporaryDirectory() as tmp:
            got = docker("cp", f"{name}:/autograder/results/results.json", tmp, check=False)
            path = Path(tmp, "results.json")
            row["results"] = got.returncode == 0 and path.exists()
            row["results_json"] = json.loads(path.read_text()) if row["results"] else None
        row["oom_killed"] = json.loads(docker("inspect", "--format", "{{json .State}}", name).stdout).get("OOMKilled")
    return row


def label(path):
    """A submission's path as the table shows it: from the checkout, or its last two parts."""
    path = Path(path)
    return str(path.relative_to(CHECKOUT)) if path.is_relative_to(CHECKOUT) else f"{path.parent.name}/{path.name}"


def table(rows):
    cols = ["submission", "exit", "results.json", "score", "wall s", "CPU s", "peak MB", "OOM kills", "OOMKilled",
            "timed out"]
    body = []
    for r in rows:
        data = r.get("results_json") or {}
        maximum = sum(t.get("max_score", 0) for t in data.get("tests", []))
        score = f"{data['score']:g}/{maximum:g}" if data.get("score") is not None else "-"
        body.append([label(r["submission"]), str(r.get("exit")), "yes" if r.get("results") else "MISSING",
                     score, f"{r['wall_seconds']:.1f}",
                     "-" if r.get("cpu_seconds") is None else f"{r['cpu_seconds']:.1f}",
                     f"{r['peak_bytes'] / 2**20:.0f}", "-" if r.get("oom_kills") is None else str(r["oom_kills"]),
                     str(r.get("oom_killed")),
                     "yes" if r.get("timed_out") else "no"])
    widths = [max(len(c), *(len(b[i]) for b in body)) for i, c in enumerate(cols)]
    return "\n".join("  ".join(v.ljust(w) for v, w in zip(line, widths)).rstrip() for line in [cols, *body])


def interrupted(signum, frame):
    """A SIGTERM becomes an exception, so that the finally clauses remove the containers."""
    raise KeyboardInterrupt


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("submissions", nargs="+", type=Path, metavar="SUBMISSION", help="mlp.py files to grade")
    parser.add_argument("--zip", type=Path, default=DEFAULT_ZIP, help="the autograder.zip (default: make build's)")
    parser.add_argument("--memory", default="768m", help="docker run --memory (default 768m, Gradescope's)")
    parser.add_argument("--cpus", type=float, default=0.5, help="docker run --cpus (default 0.5, Gradescope's)")
    parser.add_argument("--network", default="none", help="docker run --network when grading (default none)")
    parser.add_argument("--timeout", type=float, default=600, help="seconds before a run is killed (default 600)")
    parser.add_argument("--json", type=Path, help="also write every figure to this file")
    parser.add_argument("--start-dockerd", action="store_true", help="start dockerd if no daemon answers")
    parser.add_argument("--drop-caches", action="store_true",
                        help="empty the page cache before each container, so that each is charged for what it reads")
    parser.add_argument("--rebuild", action="store_true", help="build the graded image again, even if cached")
    args = parser.parse_args(argv)
    subs = [p.resolve() for p in args.submissions]
    for p in subs + [args.zip]:
        if not p.is_file():
            parser.error(f"no such file: {p}" + (" (run `make build` first)" if p == args.zip else ""))
    args.zip = args.zip.resolve()
    signal.signal(signal.SIGTERM, interrupted)
    report = {"memory": args.memory, "cpus": args.cpus, "network": args.network, "timeout": args.timeout,
              "zip": str(args.zip), "dockerd_pid": None, "rows": []}
    try:
        if os.geteuid() != 0:
            raise Refused(f"must run as root (docker's socket, the page cache): {HOW_TO_GET}")
        report["dockerd_pid"] = check_docker(args.start_dockerd)
        image, report["build"] = graded_image(args.zip, args.rebuild)
        load = " ".join((read("/proc/loadavg", "") or "").split()[:3])
        now = datetime.now().astimezone().isoformat(timespec="seconds")
        report["header"] = (f"image {image} | --memory {args.memory} --cpus {args.cpus:g} --network {args.network}, "
                            f"timeout {args.timeout:g} s | {os.cpu_count()} cpus, load {load} | "
                            f"kernel {platform.release()} | {now}")
        say(report["header"])
        uids = worker_uids(args.zip, image)
        for i, sub in enumerate(subs):
            say(f"grading {label(sub)} ...")
            report["rows"].append(run_one(image, uids, sub, args, i))
    except Refused as exc:
        print(f"gradescope_docker: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("gradescope_docker: interrupted; its containers are removed", file=sys.stderr)
        return 130
    finally:
        if args.json:
            args.json.write_text(json.dumps(report, indent=2, ensure_ascii=False))
    print(table(report["rows"]))
    for r in report["rows"]:
        name = label(r["submission"])
        said = r["stderr"].strip()[-1200:] or "(nothing)"
        print(f"  {name}: the grader's stderr{', its end' if len(r['stderr'].strip()) > 1200 else ''}:")
        for line in said.splitlines():
            print(textwrap.fill(line, 110, initial_indent="      ", subsequent_indent="      "))
        if r["uid_clashes"]:
            print(f"  {name}: WARNING: {len(r['uid_clashes'])} process(es) outside the container ran as its worker "
                  "accounts' uids meanwhile (a grader on this machine?); such a grader kills them, so tests "
                  "'killed from outside' here say nothing of Gradescope:")
            print("\n".join(f"      {line}" for line in r["uid_clashes"][:5]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
