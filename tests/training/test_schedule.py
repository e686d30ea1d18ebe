"""The learning-rate plan: a deadline moves the schedule's end to the steps that fit."""

import time

import pytest

from fixtures_ptc import tiny_args
from unspin.training.schedule import MIN_TIMED, Plan
from unspin.training.trainer import Trainer


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_without_a_deadline_the_rate_falls_to_zero_at_the_last_step():
    plan = Plan(cap=100, per_epoch=20, warmup=0.1)
    for done in range(1, 100):
        plan.timed_step(1.0)
        assert plan.replan(done) == 100
    assert plan.factor(0) == pytest.approx(0.1) and plan.factor(9) == pytest.approx(1.0)
    assert plan.factor(55) == pytest.approx(45 / 90) and plan.factor(100) == 0.0


def test_a_deadline_ends_the_schedule_where_time_runs_out():
    clock = Clock()
    # 1 s a step, 10 steps an epoch, deadline in 35 s: without validations 35 steps would fit
    plan = Plan(cap=50, per_epoch=10, warmup=0.1, deadline=35.0, clock=clock)
    for done in range(1, MIN_TIMED + 1):
        clock.now += 1.0
        plan.timed_step(1.0)
        total = plan.replan(done)
    # validations are guessed at 0.15 of an epoch (1.5 s) each until one is timed
    assert total < 35 and total + (total // 10 + 1) * 1.5 <= 35 + 1.5
    assert plan.factor(total) == 0.0 and plan.factor(total - 1) > 0.0
    # a validation that proves slow moves the end earlier
    clock.now = 10.0
    plan.timed_validation(8.0)
    clock.now = 18.0
    assert plan.replan(10) < total


def test_the_plan_never_goes_back_before_the_steps_done_nor_past_the_cap():
    clock = Clock()
    plan = Plan(cap=30, per_epoch=10, warmup=0.1, deadline=5.0, clock=clock)
    for _ in range(MIN_TIMED):
        plan.timed_step(1.0)
    clock.now = 100.0  # past the deadline
    assert plan.replan(7) == 7
    far = Plan(cap=30, per_epoch=10, warmup=0.1, deadline=1e9, clock=clock)
    for _ in range(MIN_TIMED):
        far.timed_step(1.0)
    assert far.replan(3) == 30


def test_a_trainer_past_its_deadline_stops_once_the_plan_has_timed_its_steps(ptc_dir, tmp_path):
    args, tok = tiny_args(ptc_dir, tmp_path / "run")
    args.epochs = 6
    steps: list[tuple[int, int]] = []
    result = Trainer(args, tokenizer=tok, deadline=time.monotonic() - 1,
                     on_step=lambda s, t, _loss: steps.append((s, t))).train()
    assert [s for s, _ in steps] == list(range(1, MIN_TIMED + 1))
    assert steps[-1] == (MIN_TIMED, MIN_TIMED)  # the planned total shrank to what was done
    assert len(result["history"]) < 6 and (tmp_path / "run" / "model" / "config.json").exists()
