"""The serving formats of the shipped LM (export_serving.py) against the package's ONNX graph:
- Hugging Face: transformers' LlamaForCausalLM on the folder gives the graph's logits within LOGITS_TOL on every
  position of the six golden chat prompts (text -> image, captioning, VQA, a two-turn edit: text and image tokens),
  and the same greedy ids as fixtures/lm_greedy.json; its tokenizer gives the fixtures' prompt ids.
- GGUF: every tensor holds exactly the source's values (q/k un-permuted from GGML's RoPE layout); the vocabulary has
  the same tokens in the same ids, with llama.cpp's token types, and bos/eos set.
Whether llama.cpp itself serves the GGUF with the same greedy ids is tests/integration/llama-server.test.ts."""

from __future__ import annotations

import json
import tempfile
import unittest
from pathlib import Path

import numpy as np
import onnxruntime as ort
import torch

from model.train.lm.export_serving import GGUF_NAME, export_serving, hf_state_dict, load_package_lm
from model.train.lm.paths import FIXTURES_DIR, PACKAGE_DIR
from model.train.lm.serving_formats import gguf_name, rope_permute, rope_unpermute

# float32 everywhere; the two runtimes sum in different orders. Measured: max |HF - ONNX| 2.3e-5 on logits of
# magnitude up to ~36 (the six prompts, every position).
LOGITS_TOL = 1e-4


def onnx_prefill_logits(session: ort.InferenceSession, ids: list[int], block: dict) -> np.ndarray:
    """[S, V] logits of one prefill (empty past) through the package's graph."""
    s = len(ids)
    feeds = {
        "input_ids": np.array([ids], dtype=np.int64),
        "attention_mask": np.ones((1, s), dtype=np.int64),
        "position_ids": np.arange(s, dtype=np.int64)[None],
    }
    empty = np.zeros((1, block["num_kv_heads"], 0, block["head_dim"]), dtype=np.float32)
    for i in range(block["num_layers"]):
        feeds[f"past_key_values.{i}.key"] = feeds[f"past_key_values.{i}.value"] = empty
    return session.run(["logits"], feeds)[0][0]


class ExportServingTest(unittest.TestCase):
    tmp: tempfile.TemporaryDirectory
    out: dict[str, Path]

    @classmethod
    def setUpClass(cls) -> None:
        cls.tmp = tempfile.TemporaryDirectory()
        cls.out = export_serving(PACKAGE_DIR, Path(cls.tmp.name))
        cls.cases = json.loads((FIXTURES_DIR / "lm_greedy.json").read_text())["cases"]
        cls.block = json.loads((PACKAGE_DIR / "seed.json").read_text())["language_model"]

    @classmethod
    def tearDownClass(cls) -> None:
        cls.tmp.cleanup()

    def test_folder_has_what_engines_load(self) -> None:
        names = {p.name for p in self.out["hf"].iterdir()}
        want = {"config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json", "generation_config.json"}
        self.assertEqual(names, want)
        config = json.loads((self.out["hf"] / "config.json").read_text())
        self.assertEqual(config["architectures"], ["LlamaForCausalLM"])
        self.assertEqual((config["vocab_size"], config["bos_token_id"], config["eos_token_id"]), (2026, 1, 2))

    def test_hf_logits_and_greedy_ids_equal_the_onnx_graph(self) -> None:
        from transformers import LlamaForCausalLM

        hf = LlamaForCausalLM.from_pretrained(self.out["hf"], dtype=torch.float32).eval()
        session = ort.InferenceSession(str(PACKAGE_DIR / "language_model.onnx"), providers=["CPUExecutionProvider"])
        self.assertTrue(any(c["image_codes"] for c in self.cases), "the cases must include image tokens")
        for case in self.cases:
            ids = case["prompt_ids"]
            with torch.no_grad():
                got = hf(torch.tensor([ids])).logits[0].numpy()
            want = onnx_prefill_logits(session, ids, self.block)
            self.assertEqual(got.shape, want.shape)
            diff = float(np.abs(got - want).max())
            self.assertLess(diff, LOGITS_TOL, f"{case['name']}: max |HF - ONNX| = {diff}")
            with torch.no_grad():
                gen = hf.generate(
                    torch.tensor([ids]), do_sample=False, max_new_tokens=64, eos_token_id=2, pad_token_id=0
                )
            self.assertEqual(gen[0, len(ids) :].tolist(), case["greedy_ids"], case["name"])

    def test_hf_logits_equal_the_logits_fixture(self) -> None:
        from transformers import LlamaForCausalLM

        fx = json.loads((FIXTURES_DIR / "lm_logits.json").read_text())
        hf = LlamaForCausalLM.from_pretrained(self.out["hf"], dtype=torch.float32).eval()
        with torch.no_grad():
            last = hf(torch.tensor([fx["prompt_ids"]])).logits[0, -1].numpy()
        self.assertLess(float(np.abs(last - np.array(fx["prefill_last_logits"])).max()), fx["tolerance"])

    def test_hf_tokenizer_gives_the_prompt_ids(self) -> None:
        from transformers import AutoTokenizer

        tok = AutoTokenizer.from_pretrained(self.out["hf"])
        for case in self.cases:
            self.assertEqual(tok(case["prompt"], add_special_tokens=False)["input_ids"], case["prompt_ids"])
        self.assertEqual(tok.convert_ids_to_tokens([1000 + 12, 2024, 2025]), ["<img_00012>", "<img>", "</img>"])

    def test_gguf_tensors_equal_the_source(self) -> None:
        from gguf import GGUFReader

        model, _ = load_package_lm(PACKAGE_DIR)
        source = {gguf_name(k): (k, v.numpy()) for k, v in hf_state_dict(model).items()}
        reader = GGUFReader(self.out["gguf"])
        seen = set()
        for t in reader.tensors:
            hf_name, want = source[t.name]
            got = np.asarray(t.data).reshape(want.shape)  # GGUF stores dims reversed; data is row-major as torch's
            if hf_name.endswith(("q_proj.weight", "k_proj.weight")):
                got = rope_unpermute(got, self.block["num_kv_heads"])
            self.assertEqual(got.dtype, np.float32, t.name)
            self.assertTrue(np.array_equal(got, want), f"{t.name} differs from {hf_name}")
            seen.add(t.name)
        self.assertEqual(seen, set(source))

    def test_rope_permute_round_trips(self) -> None:
        w = np.arange(8 * 3, dtype=np.float32).reshape(8, 3)  # 2 heads of dim 4
        p = rope_permute(w, 2)
        self.assertEqual(p[:, 0].tolist(), [0, 6, 3, 9, 12, 18, 15, 21])  # rows 0,2,1,3 per head: pairs interleaved
        self.assertTrue(np.array_equal(rope_unpermute(p, 2), w))

    def test_gguf_vocabulary_keeps_every_id(self) -> None:
        from gguf import GGUFReader, TokenType

        reader = GGUFReader(self.out["gguf"])

        def field(name: str) -> list:
            f = reader.fields[name]
            return [
                f.parts[i].tolist()[0] if f.types[-1].name != "STRING" else bytes(f.parts[i]).decode() for i in f.data
            ]

        self.assertEqual(bytes(reader.fields["general.architecture"].parts[-1]).decode(), "llama")
        self.assertEqual(bytes(reader.fields["tokenizer.ggml.model"].parts[-1]).decode(), "llama")
        tokens, types = field("tokenizer.ggml.tokens"), field("tokenizer.ggml.token_type")
        tj = json.loads((PACKAGE_DIR / "tokenizer.json").read_text())
        want = {i: p for p, i in tj["model"]["vocab"].items()} | {t["id"]: t["content"] for t in tj["added_tokens"]}
        self.assertEqual(tokens, [want[i] for i in range(len(want))])
        self.assertEqual(len(tokens), 2026)
        self.assertEqual(
            [types[i] for i in (0, 1, 2, 3, 300, 1012, 2024, 2025)],
            [TokenType.UNKNOWN, TokenType.CONTROL, TokenType.CONTROL, TokenType.BYTE, TokenType.NORMAL]
            + [TokenType.USER_DEFINED] * 3,
        )
        self.assertEqual(reader.fields["tokenizer.ggml.bos_token_id"].parts[-1].tolist(), [1])
        self.assertEqual(reader.fields["tokenizer.ggml.eos_token_id"].parts[-1].tolist(), [2])
        self.assertTrue(self.out["gguf"].name == GGUF_NAME)


if __name__ == "__main__":
    unittest.main()
