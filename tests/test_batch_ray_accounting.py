"""The Ray runner's bookkeeping against a scripted stand-in for ``ray`` (no Ray, no timing).

The fake runs actor tasks in order, lets an actor's death fail all its pending references, takes
restarted actors a while to start, and answers ``ray.wait(num_returns=1)`` with the *last* ready
reference (real Ray picks any ready one, not the oldest). Time is a counter moved by each wait.
"""

from __future__ import annotations

import sys
import types
from collections import Counter

import pytest

from zsvad.batch.job import Job, Outcome, WorkerSpec
from zsvad.batch.prefetch import Prefetch
from zsvad.batch.runners import base, ray_runner
from zsvad.batch.runners.ray_runner import RayRunner


class RayError(Exception):
    pass


class FakeRef:
    def __init__(self):
        self.done = False
        self.value = None
        self.error: Exception | None = None

    def set(self, value=None, error=None):
        self.done, self.value, self.error = True, value, error


class FakeActor:
    def __init__(self, start_ticks: int, dies_starting: bool = False):
        self.start_ticks = start_ticks
        self.dead = False
        self.dies_starting = dies_starting
        self.queue: list[tuple[FakeRef, Job | Prefetch | None]] = []
        self.got: list[Job | Prefetch] = []
        self.ready = types.SimpleNamespace(remote=lambda: self._submit(None))
        self.run = types.SimpleNamespace(remote=self._submit)

    def _submit(self, job: Job | Prefetch | None) -> FakeRef:
        if job is not None:
            self.got.append(job)
        ref = FakeRef()
        self.queue.append((ref, job))
        self._drain()
        return ref

    def tick(self) -> None:
        self.start_ticks -= 1
        if self.start_ticks == 0 and self.dies_starting:
            self.dead = True  # its constructor failed
        self._drain()

    def _drain(self) -> None:
        """Run queued calls in order once started; a dead actor fails all of them."""
        while self.queue and (self.dead or self.start_ticks <= 0):
            ref, job = self.queue.pop(0)
            if self.dead:
                ref.set(error=RayError("The actor died unexpectedly before finishing this task."))
            elif job is None:
                ref.set(123)
            elif isinstance(job, Prefetch):  # embedding ahead crashes on a "crash-ahead" file
                if "crash-ahead" in job.paths:
                    self.dead = True
                    ref.set(error=RayError("The actor died: exit code 3"))
                else:
                    ref.set(Outcome(key=job.key, ok=True))
            elif job.path == "crash":
                self.dead = True
                ref.set(error=RayError("The actor died: exit code 3"))
            elif job.path == "bad":
                ref.set(Outcome.error(job.key, "input", "cannot decode"))
            else:
                ref.set(Outcome(key=job.key, ok=True))


class FakeRay(types.ModuleType):
    def __init__(self, start_ticks: dict[int, int], dies_starting: set[int]):
        super().__init__("ray")
        self.start_ticks = start_ticks  # actor number (1-based) -> waits before it is ready
        self.dies_starting = dies_starting  # actor numbers whose constructor fails
        self.actors: list[FakeActor] = []
        self.clock = 0.0
        self.waits = 0

    def is_initialized(self) -> bool:
        return True

    def remote(self, **_):
        def wrap(_cls):
            def remote(*_args):
                number = len(self.actors) + 1
                actor = FakeActor(self.start_ticks.get(number, 0), number in self.dies_starting)
                self.actors.append(actor)
                return actor

            options = types.SimpleNamespace(remote=remote)
            return types.SimpleNamespace(options=lambda **_: options)

        return wrap

    def _tick(self) -> None:
        self.waits += 1
        assert self.waits < 10_000, "the runner never finishes"
        self.clock += 1.0
        for actor in self.actors:
            actor.tick()

    def wait(self, refs, num_returns=1, timeout=None):
        self._tick()
        ready = [r for r in refs if r.done]
        return ready[-num_returns:], [r for r in refs if r not in ready[-num_returns:]]

    def get(self, refs):
        for r in refs if isinstance(refs, list) else [refs]:
            while not r.done:
                self._tick()
            if r.error:
                raise r.error
        return [r.value for r in refs] if isinstance(refs, list) else refs.value

    def kill(self, actor) -> None:
        actor.dead = True
        actor._drain()

    def shutdown(self) -> None:
        pass


@pytest.fixture
def fake_ray(monkeypatch):
    def make(start_ticks=None, dies_starting=()) -> FakeRay:
        ray = FakeRay(start_ticks or {}, set(dies_starting))
        monkeypatch.setitem(sys.modules, "ray", ray)
        monkeypatch.setitem(sys.modules, "ray.exceptions", types.SimpleNamespace(RayError=RayError))
        clock = types.SimpleNamespace(monotonic=lambda: ray.clock, sleep=lambda s: None)
        monkeypatch.setattr(base, "time", clock)
        monkeypatch.setattr(ray_runner, "time", clock)
        return ray

    return make


def _run(
    paths: list[str], workers: int, timeout_s: float | None = None, chunk: int = 1
) -> dict[str, Outcome]:
    jobs = [Job(f"k{n}-{p}", p, f"v{n}") for n, p in enumerate(paths)]
    spec = WorkerSpec(config={}, scorer="fake", timeout_s=timeout_s, prefetch_videos=chunk)
    outcomes = list(RayRunner(spec, workers=workers).run(jobs))
    counts = Counter(o.key for o in outcomes)
    assert counts == Counter(j.key for j in jobs), "every job yields exactly one outcome"
    return {o.key: o for o in outcomes}


@pytest.mark.parametrize(
    ("paths", "workers"),
    [(["ok", "bad"], 1), (["ok", "bad", "crash", "ok", "ok", "bad", "ok", "ok"], 2)],
)
def test_ray_runner_yields_one_outcome_per_job_in_any_answer_order(fake_ray, paths, workers):
    # both answers of an actor are ready when the driver looks: the later one comes first
    fake_ray()
    out = _run(paths, workers)
    failed = {f"k{n}-{p}" for n, p in enumerate(paths) if p != "ok"}
    assert {k for k, o in out.items() if not o.ok} == failed
    if "crash" in paths:  # the job the dead actor ran fails, not the one queued behind it
        assert out["k2-crash"].stage == "worker"


def test_ray_runner_hard_timeout_starts_when_a_restarted_actor_is_ready(fake_ray):
    # the replacement of the crashed actor takes 30 s to start (importing torch under load):
    # more than timeout + grace, which must not count against the jobs waiting for it
    fake_ray(start_ticks={2: 30})
    assert 30 > 1 + base.HARD_TIMEOUT_GRACE_S
    out = _run(["crash", "ok", "ok"], workers=1, timeout_s=1)
    assert [o.ok for o in out.values()] == [False, True, True]
    assert out["k0-crash"].stage == "worker"


def test_ray_runner_requeues_the_jobs_of_an_actor_that_dies_starting(fake_ray):
    ray = fake_ray(start_ticks={2: 3}, dies_starting={2})
    out = _run(["crash", "ok", "ok"], workers=1)
    assert [o.ok for o in out.values()] == [False, True, True]  # not blamed on a video
    assert len(ray.actors) == 3


def test_ray_runner_chunks_and_a_crash_embedding_ahead_blames_no_video(fake_ray):
    ray = fake_ray()
    paths = ["ok", "bad", "ok", "ok", "crash-ahead", "ok", "ok"]
    out = _run(paths, workers=1, chunk=3)  # one outcome per job, none for a Prefetch
    assert [o.ok for o in out.values()] == [p != "bad" for p in paths]
    got = [job for actor in ray.actors for job in actor.got]
    chunks = [j.keys for j in got if isinstance(j, Prefetch)]
    assert chunks[:2] == [("k0-ok", "k1-bad", "k2-ok"), ("k3-ok", "k4-crash-ahead", "k5-ok")]
    # the chunk whose embedding ahead killed its actor: its jobs go again, alone
    again = [j for j in got if isinstance(j, Job) and j.solo]
    assert [j.key for j in again] == ["k3-ok", "k4-crash-ahead", "k5-ok"]
    assert not any(set(c) & {j.key for j in again} for c in chunks[2:])
