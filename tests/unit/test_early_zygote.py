"""grade-all starts its worker pool before it imports torch (pool.start_early), and the
supervisor takes that pool instead of starting another: the class's start-up is shorter
by one import of torch (bench/bench_batch.py)."""
from autograder.classroom import batch
from autograder.sandbox import pool


class FakeZygote:
    def __init__(self, clients):
        self.sockets = [object()] * clients


def test_the_supervisor_takes_the_pool_started_early(monkeypatch):
    started = []
    monkeypatch.setattr(pool.Zygote, "start",
                        classmethod(lambda cls, n, many=False: started.append(n) or FakeZygote(n)))
    monkeypatch.setattr(pool, "_EARLY", [])
    pool.start_early(4)
    supervisor = batch.Supervisor.__new__(batch.Supervisor)   # its sockets only
    supervisor.zygotes, supervisor.free = [], []
    supervisor._more_sockets(4)
    assert started == [4] and len(supervisor.free) == 4, "the early pool was not the one used"
    supervisor._more_sockets(2)   # used up: another is started
    assert started == [4, 2] and len(supervisor.free) == 6
    assert pool.take_early() is None
