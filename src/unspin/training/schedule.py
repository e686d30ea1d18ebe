"""The learning-rate schedule of a training run, and the plan that fits it to a deadline.

Without a deadline the rate warms up, then falls linearly to zero at the last step of the
last epoch. With one (`unspin adapt --minutes`), the plan re-estimates from the measured
time per step and per validation how many steps fit before the deadline and moves the
schedule's end there, so the rate reaches zero when time is up instead of the run being cut
at a high rate mid-schedule."""

from __future__ import annotations

import math
import time
from collections.abc import Callable

VALIDATION_GUESS = 0.15  # a validation's cost, as a share of an epoch's steps, until one is timed
MIN_TIMED = 3  # steps timed before the plan trusts its estimate


class Plan:
    """`total` steps planned (at most `cap`, `per_epoch` to an epoch); `factor(step)` is the
    learning rate's share of its peak at `step`."""

    def __init__(self, cap: int, per_epoch: int, warmup: float, deadline: float | None = None,
                 clock: Callable[[], float] = time.monotonic):
        self.cap = self.total = max(1, cap)
        self.per_epoch = max(1, per_epoch)
        self.warm = max(1, int(warmup * self.cap))
        self.deadline = deadline
        self.clock = clock
        self.step_seconds = 0.0
        self.steps_timed = 0
        self.valid_seconds = 0.0
        self.validations = 0

    def factor(self, step: int) -> float:
        warm = min(self.warm, max(1, self.total // 2))
        return min((step + 1) / warm, max(0.0, (self.total - step) / max(1, self.total - warm)))

    def timed_step(self, seconds: float) -> None:
        self.step_seconds += seconds
        self.steps_timed += 1

    def timed_validation(self, seconds: float) -> None:
        self.valid_seconds += seconds
        self.validations += 1

    def replan(self, done: int) -> int:
        """The steps to run in all, given `done` so far and the time left; at least `done`."""
        if self.deadline is None or self.steps_timed < MIN_TIMED:
            return self.total
        per_step = self.step_seconds / self.steps_timed
        per_valid = (self.valid_seconds / self.validations if self.validations
                     else VALIDATION_GUESS * self.per_epoch * per_step)
        left = self.deadline - self.clock()
        total = self.cap
        for _ in range(4):  # each validation crossed costs time: settle on the steps that fit
            checks = math.ceil(total / self.per_epoch) - done // self.per_epoch
            fits = done + math.floor((left - max(1, checks) * per_valid) / per_step)
            total = max(done, min(self.cap, fits))
        self.total = total
        return total
