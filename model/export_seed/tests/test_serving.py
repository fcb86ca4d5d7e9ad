"""--hf-out / --gguf-out on the reduced-size SEED-LLaMA stand-in (testing/checkpoints.py: SEED-LLaMA's 40,194-token
vocabulary, grouped-query attention, 2 layers): transformers loads the written folder as a LlamaForCausalLM that gives
the source model's logits and greedy ids, its tokenizer has the image tokens at SEED-LLaMA's ids, and the GGUF holds
the source's tensors exactly (q/k un-permuted) with the same vocabulary."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import torch

from model.export_seed.llm import load_llm
from model.export_seed.serving import write_serving
from model.export_seed.testing.checkpoints import write_llm
from model.export_seed.text_tokenizer import CHAT_TEMPLATES, TokenLayout, build_tokenizer, write_tokenizer
from model.train.lm.serving_formats import gguf_name, rope_unpermute

IDS = [1, 3148, 1001, 29901, 32000, 40192, 35000, 40193, 13]  # text, <img_00000>, <img>, an image token, </img>


def export(tmp: Path):  # noqa: ANN201
    write_llm(tmp / "llm", torch.Generator().manual_seed(0))
    model = load_llm(tmp / "llm")
    pkg = tmp / "pkg"
    pkg.mkdir()
    write_tokenizer(build_tokenizer(tmp / "llm", TokenLayout()), pkg, 512)
    (pkg / "generation_config.json").write_text(json.dumps({"bos_token_id": 1, "eos_token_id": [2]}))
    written = write_serving(
        model, pkg, CHAT_TEMPLATES["vicuna"], "SEED-LLaMA test", "float32", tmp / "hf", tmp / "lm.gguf"
    )
    assert written == [tmp / "hf", tmp / "lm.gguf"]
    return model


def test_hf_folder_gives_the_source_logits_and_greedy_ids(tmp_path: Path) -> None:
    from transformers import AutoTokenizer, LlamaForCausalLM

    src = export(tmp_path)
    hf = LlamaForCausalLM.from_pretrained(tmp_path / "hf", dtype=torch.float32).eval()
    config = json.loads((tmp_path / "hf" / "config.json").read_text())
    assert (config["vocab_size"], config["num_key_value_heads"], config["eos_token_id"]) == (40194, 2, 2)
    with torch.no_grad():
        a = src(torch.tensor([IDS])).logits
        b = hf(torch.tensor([IDS])).logits
        assert float((a - b).abs().max()) < 1e-5
        kw = {"do_sample": False, "max_new_tokens": 12, "pad_token_id": 0}
        assert hf.generate(torch.tensor([IDS]), **kw).tolist() == src.generate(torch.tensor([IDS]), **kw).tolist()
    tok = AutoTokenizer.from_pretrained(tmp_path / "hf")
    assert tok.convert_ids_to_tokens([32000, 40191, 40192, 40193]) == ["<img_00000>", "<img_08191>", "<img>", "</img>"]
    chat = tok.apply_chat_template([{"role": "user", "content": "Hi"}], tokenize=False, add_generation_prompt=True)
    assert chat == "<s>USER: Hi\nASSISTANT:"


def test_gguf_holds_the_source_tensors_and_vocabulary(tmp_path: Path) -> None:
    from gguf import GGUFReader, TokenType

    src = export(tmp_path)
    state = {gguf_name(k): (k, v.numpy()) for k, v in src.state_dict().items() if "rotary" not in k}
    reader = GGUFReader(tmp_path / "lm.gguf")
    heads = {"q_proj": src.config.num_attention_heads, "k_proj": src.config.num_key_value_heads}
    for t in reader.tensors:
        hf_name, want = state.pop(t.name)
        got = np.asarray(t.data).reshape(want.shape)
        for proj, n in heads.items():
            if proj in hf_name:
                got = rope_unpermute(got, n)
        assert np.array_equal(got, want), t.name
    assert state == {}
    f = reader.fields["tokenizer.ggml.tokens"]
    tokens = [bytes(f.parts[i]).decode() for i in f.data]
    assert len(tokens) == 40194
    assert tokens[32000:32002] + tokens[40192:] == ["<img_00000>", "<img_00001>", "<img>", "</img>"]
    types = reader.fields["tokenizer.ggml.token_type"]
    assert [int(types.parts[types.data[i]][0]) for i in (1, 2, 32000, 40193)] == [
        TokenType.CONTROL,
        TokenType.CONTROL,
        TokenType.USER_DEFINED,
        TokenType.USER_DEFINED,
    ]
