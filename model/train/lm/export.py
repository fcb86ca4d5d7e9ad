"""Export a trained SEED-mini LM into the model package (model/seed-mini/): one command.

    python -m model.train.lm.export      # run by `python -m model.train` after the visual side's export

Writes language_model.onnx (opset 17, Optimum names, fp16 weight storage + Cast), tokenizer.json,
tokenizer_config.json, generation_config.json, fixtures/lm_{tokenizer,greedy,logits}.json, and the LM's part of
seed.json (manifest.py: the `language_model` block, components.language_model, its files' sizes and sha256; the
visual side's part is kept, and written first by model.train.export). Before writing anything to the package it checks
ORT (onnxruntime-node) against PyTorch on a prefill and a decode step (max abs diff <= 1e-4), and fails if not.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

import numpy as np
import torch

from . import manifest
from .codes import code_source
from .fixtures import write_fixtures
from .fp16_storage import to_fp16_storage
from .model import SeedMiniLM
from .onnx_export import export_onnx
from .ort_bridge import ort_run
from .paths import CODEBOOK_SIZE, MAX_LEN, PACKAGE_DIR, SP_MODEL
from .text_tokenizer import BOS_ID, EOS_ID, UNK_ID, TextTokenizer

TOLERANCE = 1e-4
# SEED-LLaMA's inference scripts (scripts/seed_llama_inference_8B.py): do_sample, temperature 1.0, top_p 0.5,
# no repetition penalty. max_new_tokens there is 512 for a 2048 context; ours is capped by the 256 context.
GENERATION = {"do_sample": True, "temperature": 1.0, "top_p": 0.5, "num_beams": 1, "repetition_penalty": 1.0}


def load_checkpoint() -> tuple[SeedMiniLM, dict]:
    """The trained LM (runs/lm.done.pt, the `lm` stage of `python -m model.train`) and its payload."""
    from .stage import load_lm

    model, state = load_lm()
    state.setdefault("step", state.get("steps"))
    return model, state


def round_to_fp16(model: SeedMiniLM) -> None:
    """Round every parameter to fp16 precision, so fp16 weight storage changes nothing in the exported graph."""
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(p.half().float())


def check_parity(model: SeedMiniLM, onnx_path: Path, prompt_ids: list[int]) -> tuple[float, float]:
    """Max |ORT - torch| for a prefill (empty past) and one decode step with the cache; raises above TOLERANCE."""
    cfg = model.cfg
    s = len(prompt_ids)
    ids = torch.tensor([prompt_ids])
    mask = torch.ones(1, s, dtype=torch.int64)
    pos = torch.arange(s).unsqueeze(0)
    with torch.no_grad():
        logits, present = model(ids, mask, pos, model.empty_past(1))
        nxt = torch.tensor([[int(logits[0, -1].argmax())]])
        mask2, pos2 = torch.ones(1, s + 1, dtype=torch.int64), torch.tensor([[s]])
        logits2, _ = model(nxt, mask2, pos2, present)
    empty = np.zeros((1, cfg.n_heads, 0, cfg.head_dim), np.float32)
    f1: dict[str, np.ndarray] = {"input_ids": ids.numpy(), "attention_mask": mask.numpy(), "position_ids": pos.numpy()}
    f2: dict[str, np.ndarray] = {
        "input_ids": nxt.numpy(),
        "attention_mask": mask2.numpy(),
        "position_ids": pos2.numpy(),
    }
    for i, (k, v) in enumerate(present):
        f1[f"past_key_values.{i}.key"], f1[f"past_key_values.{i}.value"] = empty, empty
        f2[f"past_key_values.{i}.key"], f2[f"past_key_values.{i}.value"] = k.numpy(), v.numpy()
    _, _, (r1, r2) = ort_run(onnx_path, [f1, f2])
    d1 = float(np.abs(r1["logits"] - logits.numpy()).max())
    d2 = float(np.abs(r2["logits"] - logits2.numpy()).max())
    if max(d1, d2) > TOLERANCE:
        raise RuntimeError(f"ORT and PyTorch logits differ: prefill {d1:.2e}, decode {d2:.2e} (tolerance {TOLERANCE})")
    return d1, d2


def generation_config(max_new_tokens: int) -> dict:
    return {
        **GENERATION,
        "max_new_tokens": max_new_tokens,
        "bos_token_id": BOS_ID,
        "eos_token_id": [EOS_ID],
        "pad_token_id": UNK_ID,
        "transformers_version": "4.30.2",
    }


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--package", type=Path, default=PACKAGE_DIR)
    a = ap.parse_args(argv)
    torch.set_num_threads(1)
    model, state = load_checkpoint()
    round_to_fp16(model)
    tok = TextTokenizer(SP_MODEL, CODEBOOK_SIZE)
    if tok.vocab_size != model.cfg.vocab_size:
        raise ValueError(
            f"tokenizer vocab {tok.vocab_size} != model vocab {model.cfg.vocab_size}: the checkpoint was "
            f"trained with another {SP_MODEL.name}"
        )
    pkg = a.package
    pkg.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        fp32, fp16 = Path(tmp) / "lm32.onnx", Path(tmp) / "lm16.onnx"
        export_onnx(model, fp32)
        converted, kept = to_fp16_storage(fp32, fp16)
        probe = tok.encode("USER: Draw a large red circle in the center, on a white background.\nASSISTANT:")
        d1, d2 = check_parity(model, fp16, probe)
        print(f"ORT vs torch: prefill {d1:.2e}, decode {d2:.2e}; {converted} initialisers fp16, {kept} fp32")
        (pkg / "language_model.onnx").write_bytes(fp16.read_bytes())
    tok.write(pkg, MAX_LEN)
    max_new = MAX_LEN // 2
    (pkg / "generation_config.json").write_text(json.dumps(generation_config(max_new), indent=2) + "\n")
    source = code_source("stand-in" if state.get("codes") == "stand-in" else "tokenizer")
    write_fixtures(model, tok, source, pkg / "fixtures")
    manifest.write_language_model_part(pkg, model, tok)
    print(f"wrote {', '.join(manifest.LM_FILES)} and the language model's part of {pkg / 'seed.json'}")


if __name__ == "__main__":
    main()
