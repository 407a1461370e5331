"""The self-check agrees with the grader: for every test submission, `selfcheck.py` exits
1 exactly when the grader does not give full marks. The self-check makes every check the
grader makes without its hidden reference, so a student whose self-check passes has no
reason to expect lost points from those; the grader's fresh random inputs and its hidden
answers are what remain."""
import pytest
from conftest import SUBMISSIONS, lost, selfcheck_runs

# Submissions the self-check is not run on, and why. It runs the student's code in its
# own process, on the student's own machine, with no sandbox: code that attacks the
# process attacks only its author, and some of it would harm the machine running these
# tests.
NOT_RUN = {
    "crash_segfault": "crashes the self-check's process itself (the student sees the crash)",
    "fork_bomb": "would fork thousands of processes on this machine",
    "infinite_loop": "the self-check has no time limit; the student sees it hang",
    "leave_process": "would leave a process running on this machine",
    "list_proc": "sees the student's own machine's processes, as it should there: its verdict is the "
                 "sandbox's (a /proc of the worker's own), not the functions'",
    "memory_hog": "would take this machine's memory; the self-check sets no limits",
    "memory_creep": "keeps 2.5 GB; the grader's verdict depends on the machine's memory, the self-check sets no limits",
    "os_exit_backward": "os._exit ends the self-check's process with status 0 mid-run",
    "print_flood": "prints without end; the self-check does not truncate a student's own output",
    "zombie_leader_killer": "would leave a thread killing the processes of whoever runs it (it acts "
                            "only as a worker account, but it is not worth the risk)",
    "shm_mailbox": "writes files into /dev/shm, /tmp and /var/tmp of the machine running it, and runs "
                   "what an earlier run left there",
    "slow_request_reader": "slows down only reads from the grader's pipe; the self-check has no pipe",
    "huge_reply": "its 100 MB value is refused by the grader's wire; in the self-check it is only memory",
    "disk_filler": "would write 80 MB and 3000 files on this machine; the self-check sets no limits",
    "monkeypatch_torch": "patches torch in the self-check's own process, so it can fool the "
                         "comparisons there (the grader compares in another process)",
}
SUBMISSION_FILES = sorted(p for p in SUBMISSIONS.rglob("*.py") if p.stem not in NOT_RUN)


@pytest.fixture(scope="module")
def selfchecks(tmp_path_factory):
    """Every self-check, as a student runs it, one per core at once (conftest.selfcheck_runs):
    {path: (status, output)}."""
    folder = tmp_path_factory.mktemp("selfcheck")   # where a submission may write files
    runs = selfcheck_runs([("en", p) for p in SUBMISSION_FILES], folder)
    return {p: (status, out[-3000:] + err[-2000:]) for p, (status, out, err) in zip(SUBMISSION_FILES, runs)}


@pytest.mark.parametrize("path", SUBMISSION_FILES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_selfcheck_fails_exactly_when_the_grader_takes_points(graded, selfchecks, path):
    data = graded(path)
    full = data["score"] == sum(t["max_score"] for t in data["tests"]) and data["tests"]
    status, output = selfchecks[path]
    assert status in (0, 1), output
    if full:
        assert status == 0, f"full marks from the grader, but the self-check says:\n{output}"
    else:
        assert status == 1, f"the self-check passes, but the grader says:\n{lost(data)}"


def test_exceptions_are_real_submissions():
    names = {p.stem for p in SUBMISSIONS.rglob("*.py")}
    assert set(NOT_RUN) <= names
