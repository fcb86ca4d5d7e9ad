"""`python -m model.train --plan smoke`: every stage through the one loop, a multi-run stage run by run (its last run
waiting for another stage), and a second call that finds everything done (runs/ and the continuation checkpoints in temporary folders)."""

from __future__ import annotations

import inspect
import os
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

import torch

from model.train.denoiser import DEPTH, depth_of, reads_cells

REPO = Path(__file__).resolve().parents[3]


def train(runs: Path, checkpoints: Path, *args: str) -> str:
    env = {**os.environ, "SEED_MINI_RUNS": str(runs), "SEED_MINI_CHECKPOINTS": str(checkpoints)}
    cmd = [sys.executable, "-m", "model.train", "--plan", "smoke", "--no-export", "--threads", "1", *args]
    done = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=900)
    if done.returncode != 0:
        raise AssertionError(f"{' '.join(cmd)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout + done.stderr


def python(runs: Path, checkpoints: Path, code: str) -> str:
    env = {**os.environ, "SEED_MINI_RUNS": str(runs), "SEED_MINI_CHECKPOINTS": str(checkpoints)}
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    if done.returncode != 0:
        raise AssertionError(f"python -c failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


# stages.load_tokenizer() against the two files: its detokenizer is detokenizer.done.pt's, its codebook the tokenizer's
LOADED_DETOKENIZER = """
import torch
from model.train.common import RUNS
from model.train.stages import load_tokenizer
m = load_tokenizer()
detok = torch.load(RUNS / "detokenizer.done.pt", weights_only=False)["model"]
tok = torch.load(RUNS / "tokenizer.done.pt", weights_only=False)["model"]
same = all(torch.equal(v, detok[k]) for k, v in m.detokenizer.state_dict().items())
print("detokenizer", "equal" if same else "different")
print("codebook", "equal" if torch.equal(m.quantizer.embedding, tok["quantizer.embedding"]) else "different")
"""

# the codes the detokenizer was trained on: this tokenizer's, and the same once both are restored from their fp16
# continuation checkpoints (another machine)
FINGERPRINTS = """
import torch
from model.train.checkpoints import CHECKPOINTS, expand
from model.train.common import RUNS
from model.train.seed_mini import SeedMini, codes_fingerprint
from model.train.stages import load_tokenizer
trained_on = torch.load(RUNS / "detokenizer.done.pt", weights_only=False)["codes_fingerprint"]
print("run", trained_on == codes_fingerprint(load_tokenizer(detokenizer=False)))
mirrored = expand(torch.load(CHECKPOINTS / "tokenizer.pt", weights_only=False))
m = SeedMini(len(mirrored["vocab"]))
m.load_state_dict(mirrored["model"])
kept = torch.load(CHECKPOINTS / "detokenizer.pt", weights_only=False)["codes_fingerprint"]
print("checkpoint", trained_on == kept == codes_fingerprint(m))
"""


# the fingerprint of the codes the tokenizer gives now (the fp16-exact module the LM's corpus is encoded with)
TOKENIZER_FINGERPRINT = """
from model.train.lm.codes import code_source
print(code_source("tokenizer").fingerprint)
"""


class SmokePlanTest(unittest.TestCase):
    def test_stages_runs_and_rerun(self) -> None:
        with tempfile.TemporaryDirectory() as tmp:
            runs, ck = Path(tmp) / "runs", Path(tmp) / "checkpoints"
            out = train(runs, ck, "--keep-checkpoints")
            for stage in ("semantic", "tokenizer", "denoiser", "detokenizer", "judge", "lm"):
                self.assertTrue((runs / f"{stage}.done.pt").exists(), f"{stage} not done:\n{out}")
                self.assertTrue((ck / f"{stage}.pt").exists(), f"{stage} not mirrored:\n{out}")
                self.assertFalse((runs / f"{stage}.pt").exists(), f"{stage}: a finished run left its checkpoint")
            # the denoiser's four runs: the second starts from the first's frozen weights and adds the cell reader
            # (a frozen copy of the semantic heads' cell MLP); the third waits for the detokenizer stage's first
            # run, the fourth for its second (on the second tokenizer run's codes); the history has all four
            self.assertIn(
                "[denoiser] run 2 of 4: 3 steps of 8, peak lr 0.0003, p_true 0.25, p_full 0.7, read True", out
            )
            third = out.index("[denoiser] run 3 of 4: 2 steps of 8")
            self.assertLess(out.index("[detokenizer] stage finished"), third, out)
            self.assertLess(third, out.index("[judge] stage finished"), out)
            fourth = out.index("[denoiser] run 4 of 4: 2 steps of 8")
            self.assertLess(out.index("[detokenizer] run 2 of 2"), fourth, out)
            self.assertLess(fourth, out.index("[lm] run 2 of 2"), out)
            first = torch.load(runs / "denoiser.run1.done.pt", map_location="cpu", weights_only=False)
            second = torch.load(runs / "denoiser.run2.done.pt", map_location="cpu", weights_only=False)
            done = torch.load(runs / "denoiser.done.pt", map_location="cpu", weights_only=False)
            self.assertEqual([h["steps"] for h in first["history"]], [4])
            self.assertEqual([h["steps"] for h in second["history"]], [4, 3])
            self.assertEqual([h["steps"] for h in done["history"]], [4, 3, 2, 2])
            self.assertEqual(done["history"][1]["options"], {"p_true": 0.25, "p_full": 0.7, "read": True})
            third_run = torch.load(runs / "denoiser.run3.done.pt", map_location="cpu", weights_only=False)
            for before, after, which in ((second, third_run, "third"), (third_run, done, "fourth")):
                moved = [k for k, v in before["model"].items() if not torch.equal(v, after["model"][k])]
                self.assertTrue(moved, f"the {which} run changed nothing")
            self.assertNotIn("options", done["history"][0])
            self.assertFalse(reads_cells(first["model"]))
            self.assertTrue(reads_cells(done["model"]))
            semantic = torch.load(runs / "semantic.done.pt", map_location="cpu", weights_only=False)["model"]
            for name in ("0.weight", "2.bias"):  # the reader is the semantic heads' cell MLP, unchanged by training
                torch.testing.assert_close(done["model"][f"read.{name}"], semantic[f"heads.cell.{name}"])
            self.assertEqual(done["steps"], 11)
            # the tokenizer's second run waits for the LM's first; the detokenizer and the LM train again on its
            # codes, in that order, and the detokenizer starts from the tokenizer's own (the first detokenizer run
            # read the old codes)
            order = [out.index(f"[{n}] run 2 of 2") for n in ("tokenizer", "detokenizer", "lm")]
            self.assertLess(out.index("[lm] run 1 of 2"), order[0], out)
            self.assertEqual(order, sorted(order), out)
            self.assertIn("the previous run read other codes", out)
            self.assertIn("starting from the tokenizer's own detokenizer", out)
            first_tokenizer = torch.load(runs / "tokenizer.run1.done.pt", map_location="cpu", weights_only=False)
            tokenizer = torch.load(runs / "tokenizer.done.pt", map_location="cpu", weights_only=False)
            self.assertEqual([h["steps"] for h in tokenizer["history"]], [4, 2])
            codebook = "quantizer.embedding"
            self.assertFalse(torch.equal(first_tokenizer["model"][codebook], tokenizer["model"][codebook]))
            # the LM's second run trained on the new codes (its corpus rebuilt), its first on the old ones
            lm = torch.load(runs / "lm.done.pt", map_location="cpu", weights_only=False)
            first_lm = torch.load(runs / "lm.run1.done.pt", map_location="cpu", weights_only=False)
            self.assertEqual([h["steps"] for h in lm["history"]], [4, 2])
            self.assertEqual(lm["codes_fingerprint"], python(runs, ck, TOKENIZER_FINGERPRINT).strip())
            self.assertNotEqual(first_lm["codes_fingerprint"], lm["codes_fingerprint"])
            # the detokenizer's own runs train the detokenizer alone: its weights moved from the tokenizer's own
            # detokenizer, the tokenizer's file (the encoder, the codebook: the codes) is the one the tokenizer
            # stage froze
            tokenizer = tokenizer["model"]
            detok = torch.load(runs / "detokenizer.done.pt", map_location="cpu", weights_only=False)
            self.assertEqual([h["steps"] for h in detok["history"]], [3, 2])
            # the first run counts as a run of the plan, its weights not as training behind these
            self.assertIn("read other codes", detok["history"][0]["discarded"])
            self.assertNotIn("discarded", detok["history"][1])
            self.assertEqual(detok["steps"], 2)
            own = {k.removeprefix("detokenizer."): v for k, v in tokenizer.items() if k.startswith("detokenizer.")}
            self.assertEqual(set(detok["model"]), set(own))
            moved = [k for k in own if not torch.equal(detok["model"][k], own[k])]
            self.assertIn("distill_image_proj.weight", moved)
            # and every later user of the tokenizer (the denoiser's runs, export, evaluation) gets that detokenizer
            loaded = python(runs, ck, LOADED_DETOKENIZER)
            self.assertEqual(loaded.split(), ["detokenizer", "equal", "codebook", "equal"], loaded)
            # the same command again: nothing left to train
            again = train(runs, ck)
            # eleven phases (the denoiser's in three: its first two runs, its third after the detokenizer's first,
            # its fourth after the detokenizer's second; the tokenizer's, the detokenizer's and the LM's in two)
            self.assertEqual(again.count("already done, skipping"), 11, again)
            # one more run from the finished denoiser with an option set on the command line: grown to 8 blocks
            more = train(
                runs, ck, "--only", "denoiser", "--steps", "2", "--init-from", str(runs / "denoiser.done.pt"),
                "--lr", "1e-4", "--option", "depth=8",
            )  # fmt: skip
            self.assertNotIn("already done", more)
            self.assertIn("[denoiser] initialised from", more)
            grown = torch.load(runs / "denoiser.done.pt", map_location="cpu", weights_only=False)
            self.assertEqual([h["steps"] for h in grown["history"]], [4, 3, 2, 2, 2])
            self.assertEqual(
                grown["history"][4]["options"],
                {"p_true": 0.25, "p_full": 0.7, "read": True, "data_seed": 1, "depth": 8},
            )
            self.assertEqual(depth_of(grown["model"]), 8)
            self.assertEqual(depth_of(done["model"]), DEPTH)
            # the detokenizer records the codes it learnt to read; once the tokenizer is trained further (other
            # codes), loading that detokenizer onto it is an error that says what to do
            self.assertEqual(python(runs, ck, FINGERPRINTS).split(), ["run", "True", "checkpoint", "True"])
            train(runs, ck, "--only", "tokenizer", "--steps", "2", "--init-from", str(runs / "tokenizer.done.pt"))
            with self.assertRaisesRegex(AssertionError, "was trained on the codes of another tokenizer"):
                python(runs, ck, LOADED_DETOKENIZER)


class WaitingRunTest(unittest.TestCase):
    def test_only_a_stage_waits_for_every_run_the_plan_puts_before(self) -> None:
        """--only trains a stage's runs until one waits for runs of another stage that are not done: the
        detokenizer's second run waits for the tokenizer's second, not just for a tokenizer being there."""
        with tempfile.TemporaryDirectory() as tmp:
            runs, ck = Path(tmp) / "runs", Path(tmp) / "checkpoints"
            train(runs, ck, "--only", "semantic")
            out = train(runs, ck, "--only", "tokenizer")
            self.assertIn("[tokenizer] run 2 of 2 waits for the lm stage: train that first", out)
            out = train(runs, ck, "--only", "detokenizer")
            self.assertIn("[detokenizer] run 2 of 2 waits for the tokenizer stage: train that first", out)
            detok = torch.load(runs / "detokenizer.done.pt", map_location="cpu", weights_only=False)
            self.assertEqual([h["steps"] for h in detok["history"]], [3])


class OptionArgumentTest(unittest.TestCase):
    def test_values_are_literals_and_a_bad_option_is_named(self) -> None:
        from model.train.__main__ import parse_option

        self.assertEqual(parse_option("p_true=0.5"), ("p_true", 0.5))
        self.assertEqual(parse_option("p_full=1"), ("p_full", 1))
        self.assertEqual(parse_option("name=text"), ("name", "text"))
        for bad in ("p_true", "=0.5", "two words=1"):
            with self.assertRaisesRegex(ValueError, "expected KEY=VALUE"):
                parse_option(bad)


class ScheduleTest(unittest.TestCase):
    def test_a_waiting_run_trains_after_the_stage_it_waits_for(self) -> None:
        from model.train.plans import PLANS, Run, schedule

        one = Run(1, 1, 1e-3)
        runs = {"a": (one, Run(1, 1, 1e-3, after="c"), one, Run(1, 1, 1e-3, after="b")), "b": (one,), "c": (one,)}
        self.assertEqual(schedule(runs), [("a", 0, 1), ("b", 0, 1), ("c", 0, 1), ("a", 1, 3), ("a", 3, 4)])
        self.assertEqual(schedule({"b": (one,), "a": (Run(1, 1, 1e-3, after="b"),)}), [("b", 0, 1), ("a", 0, 1)])
        # a stage's second wait for b trains after b's own waiting run (placed in rounds, not stage by stage)
        b_twice = {
            "a": (one, Run(1, 1, 1e-3, after="b"), Run(1, 1, 1e-3, after="b")),
            "b": (one, Run(1, 1, 1e-3, after="c")),
            "c": (one,),
        }
        self.assertEqual(
            schedule(b_twice), [("a", 0, 1), ("b", 0, 1), ("a", 1, 2), ("c", 0, 1), ("b", 1, 2), ("a", 2, 3)]
        )
        with self.assertRaisesRegex(ValueError, "a run 2 waits for 'x', a stage this plan does not train"):
            schedule({"a": (one, Run(1, 1, 1e-3, after="x"))})
        # ship: the tokenizer's second run after the LM's first five, then the detokenizer, the denoiser's last run
        # (on the new detokenizer's embeddings) and the LM on its codes
        ship = schedule(PLANS["ship"])
        self.assertEqual(ship[-5:-1], [("lm", 0, 5), ("tokenizer", 1, 2), ("detokenizer", 1, 2), ("denoiser", 9, 10)])
        self.assertEqual(ship[-1], ("lm", 5, 10))
        for name, plan in PLANS.items():  # every plan's waits name one of its stages
            with self.subTest(plan=name):
                phases = schedule({n: plan[n] for n in plan})
                self.assertEqual(sum(end - first for _, first, end in phases), sum(map(len, plan.values())))


class PlanOptionsTest(unittest.TestCase):
    def test_every_runs_options_are_its_stages_keywords(self) -> None:
        """A misspelt option would only fail hours into a plan, when its run starts: bind them all now."""
        from model.train.__main__ import stage_class
        from model.train.plans import AUTOENCODER, PLANS

        runs = [(plan, "autoencoder", run) for plan, run in AUTOENCODER.items()]
        runs += [(plan, stage, run) for plan, stages in PLANS.items() for stage, rs in stages.items() for run in rs]
        self.assertTrue(any(run.options for _, _, run in runs), "no plan sets an option: the check checks nothing")
        for plan, stage, run in runs:
            with self.subTest(plan=plan, stage=stage, run=run):
                self.assertGreater(run.steps, 0)
                inspect.signature(stage_class(stage)).bind(run.batch, **run.options)  # TypeError names the bad option


if __name__ == "__main__":
    unittest.main()
