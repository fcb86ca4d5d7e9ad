"""The LM manifest block merges into seed.json without touching the visual side's fields, with fresh sizes and hashes."""

from __future__ import annotations

import hashlib
import json
import tempfile
import unittest
from pathlib import Path

from model.train.lm.manifest import LM_FILES, merge_into_seed_json


class ManifestTest(unittest.TestCase):
    def test_merge_keeps_other_fields_and_hashes_files(self) -> None:
        with tempfile.TemporaryDirectory() as tmp:
            pkg = Path(tmp)
            (pkg / "fixtures").mkdir()
            for name in LM_FILES:
                (pkg / name).write_text(f"content of {name}")
            block = {
                "language_model": {"image_token_offset": 1000},
                "component": {"file": "language_model.onnx"},
                "files": {"language_model.onnx": {"bytes": 0, "sha256": "stale"}},
            }
            (pkg / "block.json").write_text(json.dumps(block))
            seed = {
                "format": "seed-model",
                "format_version": 1,
                "image": {"size": [64, 64]},
                "components": {"encoder": {"file": "encoder.onnx"}},
                "files": {"encoder.onnx": {"bytes": 5, "sha256": "e"}},
            }
            (pkg / "seed.json").write_text(json.dumps(seed))
            merge_into_seed_json(pkg, pkg / "block.json")
            out = json.loads((pkg / "seed.json").read_text())
            self.assertEqual(out["image"], seed["image"])
            self.assertEqual(out["components"]["encoder"], seed["components"]["encoder"])
            self.assertEqual(out["files"]["encoder.onnx"], seed["files"]["encoder.onnx"])
            self.assertEqual(out["language_model"], {"image_token_offset": 1000})
            self.assertEqual(out["components"]["language_model"], {"file": "language_model.onnx"})
            data = (pkg / "language_model.onnx").read_bytes()
            self.assertEqual(
                out["files"]["language_model.onnx"], {"bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}
            )
            self.assertEqual(set(LM_FILES) - set(out["files"]), set())

    def test_merge_refuses_a_package_without_seed_json(self) -> None:
        with tempfile.TemporaryDirectory() as tmp, self.assertRaises(FileNotFoundError):
            merge_into_seed_json(Path(tmp), Path(tmp) / "block.json")


if __name__ == "__main__":
    unittest.main()
