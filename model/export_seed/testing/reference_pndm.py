"""diffusers' PNDMScheduler (skip_prk_steps=True) in numpy, for the torch side of the decode parity fixture; the
TypeScript runtime has its own (model/runtime/scheduler-pndm.ts)."""

from __future__ import annotations

import numpy as np


class Pndm:
    def __init__(
        self,
        alphas_cumprod: np.ndarray,
        num_train: int,
        steps_offset: int,
        prediction_type: str,
        set_alpha_to_one: bool,
    ) -> None:
        self.ac = alphas_cumprod
        self.t_train = num_train
        self.offset = steps_offset
        self.v = prediction_type == "v_prediction"
        self.final = 1.0 if set_alpha_to_one else float(alphas_cumprod[0])
        self.ets: list[np.ndarray] = []
        self.counter = 0
        self.cur: np.ndarray | None = None
        self.n = 0

    def set_timesteps(self, n: int) -> list[int]:
        self.n = n
        ts = np.arange(0, n) * (self.t_train // n) + self.offset  # "leading"
        plms = np.concatenate([ts[:-1], ts[-2:-1], ts[-1:]])[::-1]
        return [int(t) for t in plms]

    def step(self, out: np.ndarray, t: int, x: np.ndarray) -> np.ndarray:
        ratio = self.t_train // self.n
        prev = t - ratio
        if self.counter != 1:
            self.ets = self.ets[-3:] + [out]
        else:
            prev, t = t, t + ratio
        e = self.ets
        if len(e) == 1 and self.counter == 0:
            m, self.cur = out, x
        elif len(e) == 1 and self.counter == 1:
            m, x, self.cur = (out + e[-1]) / 2, self.cur, None
        elif len(e) == 2:
            m = (3 * e[-1] - e[-2]) / 2
        elif len(e) == 3:
            m = (23 * e[-1] - 16 * e[-2] + 5 * e[-3]) / 12
        else:
            m = (55 * e[-1] - 59 * e[-2] + 37 * e[-3] - 9 * e[-4]) / 24
        a, ap = float(self.ac[t]), (float(self.ac[prev]) if prev >= 0 else self.final)
        b, bp = 1 - a, 1 - ap
        if self.v:
            m = a**0.5 * m + b**0.5 * x
        self.counter += 1
        return (ap / a) ** 0.5 * x - (ap - a) * m / (a * bp**0.5 + (a * b * ap) ** 0.5)
