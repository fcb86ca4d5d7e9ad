"""seed.json has one writer (model/train/seed_json.py): each export writes its part and keeps the other's, with
every file's size and sha256 computed from disk, and a refused write leaves the previous file."""

from __future__ import annotations

import hashlib
import json
import tempfile
import unittest
from pathlib import Path

from model.train.lm.manifest import LM_FILES
from model.train.seed_json import Part, write_seed_json

VISUAL = Part(
    {"format": "seed-model", "format_version": 1, "name": "SEED-mini", "image": {"size": [64, 64]}},
    {"encoder": {"file": "encoder.onnx"}},
    ("encoder.onnx",),
)
LM = Part(
    {"language_model": {"image_token_offset": 1000}}, {"language_model": {"file": "language_model.onnx"}}, LM_FILES
)


def entry(path: Path) -> dict:
    data = path.read_bytes()
    return {"bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}


class SeedJsonTest(unittest.TestCase):
    def setUp(self) -> None:
        self.tmp = tempfile.TemporaryDirectory()
        self.pkg = Path(self.tmp.name)
        (self.pkg / "fixtures").mkdir()
        for name in (*LM_FILES, "encoder.onnx"):
            (self.pkg / name).write_text(f"content of {name}")

    def tearDown(self) -> None:
        self.tmp.cleanup()

    def read(self) -> dict:
        return json.loads((self.pkg / "seed.json").read_text())

    def test_each_part_keeps_the_other_and_files_are_hashed_from_disk(self) -> None:
        write_seed_json(self.pkg, VISUAL)
        write_seed_json(self.pkg, LM, require_existing="visual first")
        out = self.read()
        self.assertEqual(out["image"], {"size": [64, 64]})
        self.assertEqual(out["language_model"], {"image_token_offset": 1000})
        self.assertEqual(list(out["components"]), ["encoder", "language_model"])
        self.assertEqual(set(out["files"]), {"encoder.onnx", *LM_FILES})
        self.assertEqual(out["files"]["language_model.onnx"], entry(self.pkg / "language_model.onnx"))
        # the visual side exported again (new weights): the LM's part stays, the encoder's entry follows the file
        (self.pkg / "encoder.onnx").write_text("retrained encoder")
        write_seed_json(self.pkg, Part({**VISUAL.fields, "description": "v2"}, VISUAL.components, VISUAL.files))
        out = self.read()
        self.assertEqual(out["description"], "v2")
        self.assertEqual(out["language_model"], {"image_token_offset": 1000})
        self.assertEqual(out["files"]["encoder.onnx"], entry(self.pkg / "encoder.onnx"))
        self.assertEqual(list(out)[:3], ["format", "format_version", "name"])  # FORMAT.md's key order
        self.assertEqual(list(out)[-2:], ["components", "files"])

    def test_whole_replaces_everything(self) -> None:
        write_seed_json(self.pkg, VISUAL)
        write_seed_json(self.pkg, LM)
        write_seed_json(self.pkg, VISUAL, whole=True)
        out = self.read()
        self.assertNotIn("language_model", out)
        self.assertEqual(set(out["files"]), {"encoder.onnx"})

    def test_refusals_leave_the_previous_file(self) -> None:
        with self.assertRaisesRegex(FileNotFoundError, "visual first"):
            write_seed_json(self.pkg, LM, require_existing="visual first")
        self.assertFalse((self.pkg / "seed.json").exists())
        write_seed_json(self.pkg, VISUAL)
        before = (self.pkg / "seed.json").read_bytes()
        (self.pkg / "language_model.onnx").unlink()
        with self.assertRaisesRegex(FileNotFoundError, "language_model.onnx"):
            write_seed_json(self.pkg, LM)
        self.assertEqual((self.pkg / "seed.json").read_bytes(), before)
        self.assertEqual(sorted(p.name for p in self.pkg.iterdir() if p.name.startswith(".")), [])  # no temp file


if __name__ == "__main__":
    unittest.main()
