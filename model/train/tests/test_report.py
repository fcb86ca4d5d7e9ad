"""REPORT.md's training table: one row per run, in the order the ship plan trains them."""

from __future__ import annotations

import tempfile
import unittest
from pathlib import Path
from unittest import mock

import torch

from model.train import report
from model.train.plans import PLANS


def history(n: int) -> list[dict]:
    return [{"steps": 10 * (k + 1), "seconds": 60.0 * (k + 1), "batch": 8, "device": "cpu"} for k in range(n)]


class TrainingTableTest(unittest.TestCase):
    def rows(self, histories: dict[str, list[dict]]) -> list[str]:
        with tempfile.TemporaryDirectory() as tmp:
            for name, h in histories.items():
                torch.save({"model": {}, "history": h}, Path(tmp) / f"{name}.done.pt")
            with mock.patch.object(report, "RUNS", Path(tmp)):
                return [row.split(" | ")[0].removeprefix("| ") for row in report.training_times()]

    def test_a_waiting_run_is_listed_after_the_stage_it_waits_for(self) -> None:
        ship = PLANS["ship"]
        waits = [k for k, run in enumerate(ship["denoiser"]) if run.after == "detokenizer"]
        self.assertTrue(waits, "the ship plan has no denoiser run after the detokenizer: nothing to check")
        histories = {n: history(len(ship[n])) for n in ("tokenizer", "denoiser", "detokenizer", "lm")}
        # the detokenizer's second run started from the second tokenizer run's own detokenizer
        histories["detokenizer"][0]["discarded"] = "the previous run read other codes"
        rows = self.rows(histories)
        # the denoiser's runs from its first waiting one train on the first detokenizer run's embeddings, from its
        # second waiting one on the second's (after the tokenizer's second run)
        self.assertEqual(len(waits), 2, waits)
        denoiser = [f"denoiser (run {k + 1})" for k in range(len(ship["denoiser"]))]
        lm = [f"lm (run {k + 1})" for k in range(len(ship["lm"]))]
        self.assertEqual(
            rows,
            [
                "tokenizer (run 1)",
                *denoiser[: waits[0]],
                "detokenizer (run 1, not continued)",
                *denoiser[waits[0] : waits[1]],
                *lm[:5],
                "tokenizer (run 2)",
                "detokenizer (run 2)",
                *denoiser[waits[1] :],
                *lm[5:],
            ],
        )

    def test_runs_that_are_not_the_ship_plans_stay_in_order_in_the_stages_place(self) -> None:
        # three denoiser runs (not the ship plan's count), or no detokenizer to wait for: every row in ORDER's place
        self.assertEqual(
            self.rows({"denoiser": history(3), "detokenizer": history(1)}),
            ["denoiser (run 1)", "denoiser (run 2)", "denoiser (run 3)", "detokenizer"],
        )
        n = len(PLANS["ship"]["denoiser"])
        rows = self.rows({"denoiser": history(n), "judge": history(1)})
        self.assertEqual(rows, [*(f"denoiser (run {k + 1})" for k in range(n)), "judge"])


if __name__ == "__main__":
    unittest.main()
