"""grade-all starts its worker pool before it imports torch (pool.start_early), and the
supervisor takes that pool instead of starting another: the class's start-up is shorter
by one import of torch (bench/bench_batch.py)."""
from autograder.assignment import current
from autograder.classroom import batch
from autograder.sandbox import pool


class FakeZygote:
    def __init__(self, clients):
        self.sockets = [object()] * clients


def test_the_supervisor_takes_the_pool_started_early(monkeypatch):
    started, kinds = [], []

    def start(cls, n, many=False, layers=()):
        started.append(n)
        kinds.append((many, list(layers)))
        return FakeZygote(n)

    monkeypatch.setattr(pool.Zygote, "start", classmethod(start))
    monkeypatch.setattr(pool, "_EARLY", [])
    layers = current().virtual_gpu_layers
    pool.start_early(4, layers)
    supervisor = batch.Supervisor.__new__(batch.Supervisor)   # its sockets only
    supervisor.zygotes, supervisor.free = [], []
    supervisor._more_sockets(4)
    assert started == [4] and len(supervisor.free) == 4, "the early pool was not the one used"
    supervisor._more_sockets(2)   # used up: another is started
    assert started == [4, 2] and len(supervisor.free) == 6
    assert pool.take_early() is None
    # both are a class's pools, which work out the assignment's layers first
    assert layers and kinds == [(True, layers), (True, layers)], kinds
