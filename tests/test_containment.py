"""Containment: nothing a submission does outlives its session or reaches another one,
the network, or the grader's own words. Each attack is a hostile submission graded alone
here; tests/test_batch.py::test_hostile_neighbours_change_nothing grades every one of
them in the class batch beside correct neighbours, which keep full marks."""
import json
import os
import re
import socket
import subprocess
import sys
import textwrap
import threading
import time

import pytest
from conftest import CALL_SECONDS, ROOT, SUBMISSIONS, batch_name, grade, lost, needs_root, outputs, reference
from test_hostile import full, ours_left, processes_of, zero

from autograder import config
from autograder.sandbox.accounts import _runs, kill_user_processes, take_account

HOSTILE = SUBMISSIONS / "hostile"


def no_isolation(tmp_path):
    """A config with the per-worker namespaces off: the fallback of a container that
    refuses them (Docker without CAP_SYS_ADMIN)."""
    path = tmp_path / "noiso.toml"
    path.write_text("[limits]\nisolate = false\n")   # over config.toml's other settings
    return {"AUTOGRADER_CONFIG": str(path)}


@pytest.mark.alone
@needs_root
@pytest.mark.parametrize("isolate", [True, False], ids=["namespaces", "fallback"])
def test_a_zombie_leader_with_a_live_thread_is_ended(tmp_path, isolate):
    """A setsid child whose main thread ended (Z in /proc) while its thread runs on, to
    kill the next session's processes: it is gone as soon as the grade is written."""
    data, _ = grade(HOSTILE / "zombie_leader_killer.py", tmp_path, env=None if isolate else no_isolation(tmp_path))
    assert "ZOMBIE LEADER STARTED" in outputs(data)
    assert data["score"] == 100, lost(data)
    assert ours_left() == []


@needs_root
def test_kill_user_processes_does_not_skip_a_zombie_leader():
    account = take_account(config.load()["limits"])
    try:
        code = textwrap.dedent(f"""
            import ctypes, os, platform, threading, time
            os.setgid({account.gid}); os.setuid({account.uid})
            if os.fork() == 0:
                os.setsid()
                threading.Thread(target=time.sleep, args=(60,)).start()
                ctypes.CDLL(None).syscall({{"x86_64": 60, "aarch64": 93}}[platform.machine()], 0)
            time.sleep(60)
        """)
        proc = subprocess.Popen([sys.executable, "-c", code])
        for _ in range(100):
            leaders = [p for p in processes_of({account.uid}) if p != proc.pid
                       and open(f"/proc/{p}/stat").read().rsplit(")", 1)[1].split()[0] == "Z"]
            if leaders and _runs(leaders[0]):
                break
            time.sleep(0.05)
        assert leaders, "the zombie leader did not start"
        kill_user_processes(account.uid)
        proc.wait(5)
        assert [p for p in processes_of({account.uid}) if _runs(p)] == []
    finally:
        os.close(account.lock)


MAILBOXES = ["/dev/shm/mlp_mailbox.py", "/run/shm/mlp_mailbox_run.py", "/tmp/mlp_mailbox.py",
             "/var/tmp/mlp_mailbox.py", "/dev/shm/mlp_mailbox_posix"]


@pytest.mark.alone
@needs_root
@pytest.mark.parametrize("isolate", [True, False], ids=["namespaces", "fallback"])
def test_nothing_a_worker_writes_outside_its_scratch_folder_survives(tmp_path, isolate):
    """The mailbox submission, graded twice in a row, never finds what it left the first
    time (the starter's stubs score 0), and leaves nothing in /dev/shm, /tmp, /var/tmp."""
    for path in MAILBOXES:
        if os.path.lexists(path):
            os.unlink(path)
    env = None if isolate else no_isolation(tmp_path)
    for _ in range(2):
        data, _ = grade(HOSTILE / "shm_mailbox.py", tmp_path, env=env)
        assert "MAILBOX FOUND" not in outputs(data) and data["score"] == 0, lost(data)
        assert [p for p in MAILBOXES if os.path.lexists(p)] == []
    if not isolate:   # without a private /dev/shm, Landlock refuses it
        assert "DENIED /dev/shm/mlp_mailbox.py" in outputs(data)


@needs_root
def test_what_an_account_leaves_in_shared_folders_is_removed():
    """Where Landlock is missing, what the account owns in /tmp and /dev/shm goes after each
    worker; what another user owns stays."""
    from autograder.sandbox.accounts import remove_user_files

    account = take_account(config.load()["limits"])
    made = [f"/tmp/left-by-{account.name}", f"/dev/shm/left-by-{account.name}", f"/tmp/dir-of-{account.name}"]
    keep = f"/tmp/kept-by-root-{account.name}"
    try:
        for path in made[:2] + [keep]:
            open(path, "w").close()
        os.mkdir(made[2])
        open(f"{made[2]}/inner", "w").close()
        for path in made + [f"{made[2]}/inner"]:
            os.chown(path, account.uid, account.gid)
        remove_user_files(account.uid)
        assert [p for p in made if os.path.lexists(p)] == [] and os.path.exists(keep)
    finally:
        os.unlink(keep)
        os.close(account.lock)


def test_lone_surrogates_are_written_as_replacement_characters(graded, tmp_path):
    """A lone surrogate in an exception, a type name and printed bytes: results.json is
    written, the text shows U+FFFD, and only forward, training and sgd_step lose points."""
    for data in (graded(HOSTILE / "lone_surrogate.py"), grade(HOSTILE / "lone_surrogate.py", tmp_path)[0]):
        assert zero(data, "forward", "sgd_step", "training") and full(data, "loss", "backward"), lost(data)
        assert "forward refuses \ufffd this input" in outputs(data) and "Weird\ufffd" in outputs(data)
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".results-")] == []


def test_write_json_never_leaves_a_partial_file(tmp_path):
    from autograder.grading.results import write_json

    path = tmp_path / "results.json"
    write_json(path, {"output": "a \udcff b", "tests": []})
    assert json.loads(path.read_text(encoding="utf-8"))["output"] == "a \ufffd b"
    with pytest.raises(TypeError):
        write_json(path, {"output": object()})
    assert json.loads(path.read_text(encoding="utf-8"))["output"] == "a \ufffd b"   # the old one, whole
    assert sorted(p.name for p in tmp_path.iterdir()) == ["results.json"]


class Server:
    """Serves a correct solution to whoever connects, and counts them."""

    def __init__(self, family, address):
        self.sock = socket.socket(family, socket.SOCK_STREAM)
        self.sock.bind(address)
        self.sock.listen()
        self.sock.settimeout(0.2)
        self.address, self.connections, self.stop = self.sock.getsockname(), 0, False
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self):
        solution = "import torch\n" + (reference()).read_text().split('"""', 2)[2]
        while not self.stop:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.connections += 1
            conn.sendall(solution.encode())
            conn.close()

    def close(self):
        self.stop = True
        self.thread.join()
        self.sock.close()


@needs_root
@pytest.mark.parametrize("isolate", [True, False], ids=["namespaces", "fallback"])
def test_a_worker_has_no_network(tmp_path, isolate):
    """A TCP server on 127.0.0.1 and an abstract unix socket serve a correct solution: the
    submission reaches neither (0 points), cannot listen, and cannot send UDP: without a
    network namespace, the worker's seccomp filter refuses it any socket."""
    tcp = Server(socket.AF_INET, ("127.0.0.1", 0))
    name = f"mlp-test-mailbox-{os.getpid()}"
    unix = Server(socket.AF_UNIX, "\0" + name)
    try:
        path = tmp_path / "mlp.py"
        path.write_text((HOSTILE / "network_fetch.py").read_text()
                        .replace("__PORT__", str(tcp.address[1])).replace("__ABSTRACT__", name))
        data, _ = grade(path, tmp_path, env=None if isolate else no_isolation(tmp_path))
    finally:
        tcp.close()
        unix.close()
    text = outputs(data)
    assert "TCP blocked" in text and "UNIX blocked" in text and "LISTEN blocked" in text, text
    assert "CONNECTED" not in text and tcp.connections == unix.connections == 0
    assert data["score"] == 0, lost(data)
    assert "UDP blocked" in text


# -- limits ----------------------------------------------------------------------
def test_a_worker_that_does_not_read_its_request_is_out_of_time(graded):
    """Pipes shrunk to a page, large requests read only after 100 s: the grader's write
    gives up at the call limit (CALL_SECONDS in the class batch), so only the training test
    (whose requests are the large ones) is lost, and the grade ends long before the 100 s
    are up: within the call limit and a minute of a correct neighbour's grade in the same
    batch (on this machine, at its speed)."""
    data = graded(HOSTILE / "slow_request_reader.py")
    assert zero(data, "training") and full(data, "forward", "loss", "backward", "sgd_step"), lost(data)
    assert f"did not finish within {CALL_SECONDS} s" in outputs(data)
    neighbour = graded.neighbours[f"neighbour__{batch_name(ROOT / 'reference' / 'mlp.py')}"]
    assert data["execution_time"] < neighbour["execution_time"] + CALL_SECONDS + 60, \
        (data["execution_time"], neighbour["execution_time"])


def test_a_huge_reply_is_refused_before_it_is_read(graded):
    data = graded(HOSTILE / "huge_reply.py")
    assert zero(data, "forward", "training") and full(data, "loss", "backward", "sgd_step"), lost(data)
    assert "what your code returned is too large to be graded (99.2 MB" in outputs(data)


@needs_root
@pytest.mark.parametrize("isolate", [True, False], ids=["namespaces", "fallback"])
def test_what_a_worker_writes_is_bounded(graded, tmp_path, isolate):
    """20 files of 4 MB and 3000 small ones: a private tmpfs of 64 MB (1000 files) says no
    space left (as the class batch grades it); without one, the grader stops the worker once
    its folder holds more."""
    data = graded(HOSTILE / "disk_filler.py") if isolate else \
        grade(HOSTILE / "disk_filler.py", tmp_path, env=no_isolation(tmp_path))[0]
    assert zero(data, "forward", "training") and full(data, "loss", "backward", "sgd_step"), lost(data)
    assert ("No space left on device" if isolate else "wrote more than 64 MB") in outputs(data)


def test_student_texts_are_truncated_like_output(graded):
    """Every text of the student's (output, exceptions, reprs) is cut: no test's message
    grows with what the submission produces."""
    for name in ("print_flood", "markdown_injection", "lone_surrogate", "forge_hints"):
        data = graded(HOSTILE / f"{name}.py")
        assert max(len(t["output"]) for t in data["tests"]) < 6000, name


# -- the grader's words ------------------------------------------------------------
def test_unexpected_messages_are_the_students_error(graded):
    """A reply forged on the grader's channel (no "value") and a repr that looks like one
    of the grader's codes ("@nope") cost those functions' tests; the grade is not withheld."""
    data = graded(HOSTILE / "forged_reply.py")
    assert "grader_error" not in data.get("extra_data", {}) and data["tests"], data.get("output")
    assert zero(data, "loss", "sgd_step", "training") and full(data, "forward", "backward"), lost(data)
    assert "sent the grader something it did not ask for" in outputs(data)
    assert "` @nope `" in outputs(data)


def hints_in(text, lang="en"):
    """The hint ids a parser reading text would find (hint sentences, one per line): what
    the class report would count if hints were read out of text."""
    import string

    from autograder.common.messages import MESSAGES

    prefix = MESSAGES["hint"][lang].split("{")[0]
    patterns = [(key[5:], re.compile(re.escape(prefix) + "".join(
        re.escape(literal) + (".*?" if field is not None else "")
        for literal, field, _, _ in string.Formatter().parse(texts[lang])) + "$"))
        for key, texts in MESSAGES.items() if key.startswith("hint_")]
    return [hint for line in text.splitlines() for hint, pattern in patterns if pattern.match(line)]


def test_printed_hints_record_nothing(graded):
    """The hint sentences, printed: read back out of text they would be counted, but hints
    travel as data, so none is recorded."""
    data = graded(HOSTILE / "forge_hints.py")
    assert data["score"] == 100, lost(data)
    assert hints_in(outputs(data)), "the submission no longer prints hint sentences"
    assert [t["number"] for t in data["tests"] if t.get("extra_data", {}).get("hints")] == []


def outside_code(markdown):
    """What Markdown would render as Markdown: the text outside fenced blocks and code spans."""
    import re

    lines, fence, kept = markdown.splitlines(), None, []
    for line in lines:
        run = re.match(r"^(`{3,})", line)
        if fence is None and run:
            fence = run.group(1)
        elif fence is not None and line.strip() == fence:
            fence = None
        elif fence is None:
            kept.append(line)
    text = "\n".join(kept)
    return re.sub(r"(`+)(?!`).*?(?<!`)\1(?!`)", "", text)


def test_student_markdown_is_shown_verbatim(graded):
    """A heading, an image and HTML in an exception, a repr and printed output stay inside
    code the student cannot close: nothing of theirs is rendered."""
    data = graded(HOSTILE / "markdown_injection.py")
    assert zero(data, "forward", "loss") and full(data, "backward", "sgd_step"), lost(data)
    assert "# all tests passed" in outputs(data)
    for t in data["tests"]:
        shown = outside_code(t["output"])
        assert "example.invalid" not in shown and "# all tests passed" not in shown, t["output"]
