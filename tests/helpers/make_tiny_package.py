"""Writes a tiny synthetic SEED model package (tests/helpers/tiny-seed/) for the runtime's unit tests.

Not a trained model: every component is a few hand-built ONNX ops (onnx.helper, no torch) with seeded random weights,
small enough to commit (tens of kB) and fast enough that tests run in milliseconds. It follows model/FORMAT.md to the
letter (names, dtypes, the Optimum LM layout with a KV cache, a legacy-LLaMA tokenizer.json with image tokens) so that
the runtime's loading, validation, pipelines, worker and error paths can be tested without the real SEED-mini.
Run with Debian's python: /usr/bin/python3 tests/helpers/make_tiny_package.py
"""

from __future__ import annotations

import hashlib
import json
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "tiny-seed")
rng = np.random.default_rng(1234)

H = W = 16  # encoder input
N, D = 4, 8  # tokens per image, causal embedding width
K, CODE = 16, 4  # codebook size, code dim
GH, GW = 2, 2  # patch grid
E = 12  # generation embedding
C, h, w = 2, 4, 4  # latent
L, HKV, DH = 2, 2, 4  # LM layers, kv heads, head dim
CTX = 64


def init(name: str, arr: np.ndarray) -> onnx.TensorProto:
    return numpy_helper.from_array(arr, name)


def rand(*shape: int, scale: float = 0.5) -> np.ndarray:
    return (rng.standard_normal(shape) * scale).astype(np.float32)


def io(name: str, dtype: int, shape: list) -> onnx.ValueInfoProto:
    return helper.make_tensor_value_info(name, dtype, shape)


def save(name: str, nodes: list, inputs: list, outputs: list, inits: list) -> None:
    graph = helper.make_graph(nodes, name, inputs, outputs, inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="make_tiny_package")
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, os.path.join(OUT, f"{name}.onnx"))


def encoder() -> None:
    # pixel_values [B,3,H,W] -> flatten [B,3HW] -> @W1 -> [B,N*D] -> causal_embeddings [B,N,D]
    #                                           -> @W2 -> [B,N,G] softmax -> attention_maps
    nodes = [
        helper.make_node("Flatten", ["pixel_values"], ["flat"], axis=1),
        helper.make_node("MatMul", ["flat", "W1"], ["e"]),
        helper.make_node("Reshape", ["e", "shape_e"], ["causal_embeddings"]),
        helper.make_node("MatMul", ["flat", "W2"], ["a"]),
        helper.make_node("Reshape", ["a", "shape_a"], ["a3"]),
        helper.make_node("Softmax", ["a3"], ["attention_maps"], axis=-1),
    ]
    inits = [
        init("W1", rand(3 * H * W, N * D, scale=0.05)),
        init("W2", rand(3 * H * W, N * GH * GW, scale=0.05)),
        init("shape_e", np.array([-1, N, D], np.int64)),
        init("shape_a", np.array([-1, N, GH * GW], np.int64)),
    ]
    save(
        "encoder",
        nodes,
        [io("pixel_values", TensorProto.FLOAT, ["batch", 3, H, W])],
        [
            io("causal_embeddings", TensorProto.FLOAT, ["batch", N, D]),
            io("attention_maps", TensorProto.FLOAT, ["batch", N, GH * GW]),
        ],
        inits,
    )


def quantizer(codebook: np.ndarray) -> None:
    # z = emb @ P [B,N,CODE]; d = |e|^2 - 2 z.e (|z|^2 is constant per row); ids = argmin_k d
    nodes = [
        helper.make_node("MatMul", ["causal_embeddings", "P"], ["z"]),
        helper.make_node("MatMul", ["z", "codebook_t"], ["ze"]),
        helper.make_node("Mul", ["ze", "minus_two"], ["m2ze"]),
        helper.make_node("Add", ["m2ze", "e2"], ["dist"]),
        helper.make_node("ArgMin", ["dist"], ["ids"], axis=-1, keepdims=0),
    ]
    inits = [
        init("P", rand(D, CODE)),
        init("codebook_t", codebook.T.copy()),
        init("minus_two", np.array(-2.0, np.float32)),
        init("e2", (codebook**2).sum(1).astype(np.float32)),
    ]
    save(
        "quantizer",
        nodes,
        [io("causal_embeddings", TensorProto.FLOAT, ["batch", N, D])],
        [io("ids", TensorProto.INT64, ["batch", N])],
        inits,
    )


def detokenizer(codebook: np.ndarray) -> None:
    # Gather codes [B,N,CODE] * token_mask[...,None] -> [B,N*CODE] @ Wd -> generation_embedding [B,E]
    nodes = [
        helper.make_node("Gather", ["codebook", "ids"], ["z"], axis=0),
        helper.make_node("Unsqueeze", ["token_mask", "axis_m1"], ["m"]),
        helper.make_node("Mul", ["z", "m"], ["zm"]),
        helper.make_node("Reshape", ["zm", "shape_flat"], ["flat"]),
        helper.make_node("MatMul", ["flat", "Wd"], ["generation_embedding"]),
    ]
    inits = [
        init("codebook", codebook),
        init("axis_m1", np.array([-1], np.int64)),
        init("shape_flat", np.array([-1, N * CODE], np.int64)),
        init("Wd", rand(N * CODE, E)),
    ]
    save(
        "detokenizer",
        nodes,
        [io("ids", TensorProto.INT64, ["batch", N]), io("token_mask", TensorProto.FLOAT, ["batch", N])],
        [io("generation_embedding", TensorProto.FLOAT, ["batch", E])],
        inits,
    )


def denoiser() -> None:
    # out = 0.9 * sample + reshape(emb @ We) + timestep/1000 (broadcast): an epsilon model that depends on all inputs
    nodes = [
        helper.make_node("Mul", ["sample", "k"], ["s"]),
        helper.make_node("MatMul", ["generation_embedding", "We"], ["c"]),
        helper.make_node("Reshape", ["c", "shape_lat"], ["c4"]),
        helper.make_node("Div", ["timestep", "thousand"], ["t"]),
        helper.make_node("Reshape", ["t", "shape_t"], ["t4"]),
        helper.make_node("Add", ["s", "c4"], ["sc"]),
        helper.make_node("Add", ["sc", "t4"], ["out_sample"]),
    ]
    inits = [
        init("k", np.array(0.9, np.float32)),
        init("We", rand(E, C * h * w, scale=0.1)),
        init("shape_lat", np.array([-1, C, h, w], np.int64)),
        init("thousand", np.array(1000.0, np.float32)),
        init("shape_t", np.array([-1, 1, 1, 1], np.int64)),
    ]
    save(
        "denoiser",
        nodes,
        [
            io("sample", TensorProto.FLOAT, ["batch", C, h, w]),
            io("timestep", TensorProto.FLOAT, ["batch"]),
            io("generation_embedding", TensorProto.FLOAT, ["batch", E]),
        ],
        [io("out_sample", TensorProto.FLOAT, ["batch", C, h, w])],
        inits,
    )


def latent_decoder() -> None:
    nodes = [
        helper.make_node("Flatten", ["latent_sample"], ["f"], axis=1),
        helper.make_node("MatMul", ["f", "Wl"], ["p"]),
        helper.make_node("Tanh", ["p"], ["pt"]),
        helper.make_node("Reshape", ["pt", "shape_img"], ["sample"]),
    ]
    inits = [init("Wl", rand(C * h * w, 3 * H * W, scale=0.02)), init("shape_img", np.array([-1, 3, H, W], np.int64))]
    save(
        "latent_decoder",
        nodes,
        [io("latent_sample", TensorProto.FLOAT, ["batch", C, h, w])],
        [io("sample", TensorProto.FLOAT, ["batch", 3, H, W])],
        inits,
    )


def language_model(vocab: int) -> None:
    # x = Emb[input_ids] [B,S,HKV*DH]; per layer: k = v = x -> [B,HKV,S,DH]; present = concat(past, k) along seq.
    # logits = (x + mean over the present keys of the last layer, broadcast) @ Wout: depends on ids and on the cache.
    nodes = [
        helper.make_node("Gather", ["emb", "input_ids"], ["x"], axis=0),
        helper.make_node("Reshape", ["x", "shape_heads"], ["x4"]),
        helper.make_node("Transpose", ["x4"], ["kv"], perm=[0, 2, 1, 3]),
    ]
    inputs = [
        io("input_ids", TensorProto.INT64, ["batch", "seq"]),
        io("attention_mask", TensorProto.INT64, ["batch", "total"]),
        io("position_ids", TensorProto.INT64, ["batch", "seq"]),
    ]
    outputs = [io("logits", TensorProto.FLOAT, ["batch", "seq", vocab])]
    for i in range(L):
        for kind in ("key", "value"):
            inputs.append(io(f"past_key_values.{i}.{kind}", TensorProto.FLOAT, ["batch", HKV, "past", DH]))
            outputs.append(io(f"present.{i}.{kind}", TensorProto.FLOAT, ["batch", HKV, "total", DH]))
            nodes.append(
                helper.make_node("Concat", [f"past_key_values.{i}.{kind}", "kv"], [f"present.{i}.{kind}"], axis=2)
            )
    # Position and mask inputs must be used to stay in the graph: add 0 * sum(position_ids) + 0 * sum(attention_mask).
    nodes += [
        helper.make_node("ReduceMean", [f"present.{L - 1}.key"], ["kmean"], axes=[2], keepdims=1),  # [B,HKV,1,DH]
        helper.make_node("Transpose", ["kmean"], ["kmean_t"], perm=[0, 2, 1, 3]),  # [B,1,HKV,DH]
        helper.make_node("Reshape", ["kmean_t", "shape_flat"], ["kflat"]),  # [B,1,HKV*DH]
        helper.make_node("Add", ["x", "kflat"], ["xk"]),
        helper.make_node("MatMul", ["xk", "Wout"], ["raw_logits"]),
        helper.make_node("Cast", ["position_ids"], ["pos_f"], to=TensorProto.FLOAT),
        helper.make_node("Cast", ["attention_mask"], ["mask_f"], to=TensorProto.FLOAT),
        helper.make_node("ReduceSum", ["pos_f"], ["pos_s"], keepdims=0),
        helper.make_node("ReduceSum", ["mask_f"], ["mask_s"], keepdims=0),
        helper.make_node("Add", ["pos_s", "mask_s"], ["pm"]),
        helper.make_node("Mul", ["pm", "zero"], ["pm0"]),
        helper.make_node("Add", ["raw_logits", "pm0"], ["logits"]),
    ]
    inits = [
        init("emb", rand(vocab, HKV * DH)),
        init("Wout", rand(HKV * DH, vocab, scale=1.5)),
        init("shape_heads", np.array([0, 0, HKV, DH], np.int64)),
        init("shape_flat", np.array([0, 1, HKV * DH], np.int64)),
        init("zero", np.array(0.0, np.float32)),
    ]
    save("language_model", nodes, inputs, outputs, inits)


def tokenizer() -> tuple[int, int]:
    """A legacy-LLaMA tokenizer.json: byte fallback, letters as pieces, a few merges."""
    vocab = {"<unk>": 0, "<s>": 1, "</s>": 2}
    for b in range(256):
        vocab[f"<0x{b:02X}>"] = len(vocab)
    for ch in ["\u2581"] + list("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.,:?!'"):
        vocab[ch] = len(vocab)
    merges = [["\u2581", "a"], ["\u2581", "t"], ["h", "e"], ["\u2581t", "he"]]
    for l, r in merges:
        vocab[l + r] = len(vocab)
    base = len(vocab)
    added = [
        {
            "id": i,
            "content": t,
            "single_word": False,
            "lstrip": False,
            "rstrip": False,
            "normalized": False,
            "special": True,
        }
        for t, i in [("<unk>", 0), ("<s>", 1), ("</s>", 2)]
    ]
    for c in range(K):
        added.append(
            {
                "id": base + c,
                "content": f"<img_{c:05d}>",
                "single_word": False,
                "lstrip": False,
                "rstrip": False,
                "normalized": False,
                "special": False,
            }
        )
    for j, t in enumerate(["<img>", "</img>"]):
        added.append(
            {
                "id": base + K + j,
                "content": t,
                "single_word": False,
                "lstrip": False,
                "rstrip": False,
                "normalized": False,
                "special": False,
            }
        )
    tok = {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": added,
        "normalizer": {
            "type": "Sequence",
            "normalizers": [
                {"type": "Prepend", "prepend": "\u2581"},
                {"type": "Replace", "pattern": {"String": " "}, "content": "\u2581"},
            ],
        },
        "pre_tokenizer": None,
        "post_processor": None,
        "decoder": {
            "type": "Sequence",
            "decoders": [
                {"type": "Replace", "pattern": {"String": "\u2581"}, "content": " "},
                {"type": "ByteFallback"},
                {"type": "Fuse"},
                {"type": "Strip", "content": " ", "start": 1, "stop": 0},
            ],
        },
        "model": {
            "type": "BPE",
            "dropout": None,
            "unk_token": "<unk>",
            "continuing_subword_prefix": None,
            "end_of_word_suffix": None,
            "fuse_unk": True,
            "byte_fallback": True,
            "ignore_merges": False,
            "vocab": vocab,
            "merges": merges,
        },
    }
    with open(os.path.join(OUT, "tokenizer.json"), "w", encoding="utf8") as f:
        json.dump(tok, f, ensure_ascii=False)
    with open(os.path.join(OUT, "tokenizer_config.json"), "w") as f:
        json.dump(
            {
                "tokenizer_class": "PreTrainedTokenizerFast",
                "bos_token": "<s>",
                "eos_token": "</s>",
                "unk_token": "<unk>",
                "pad_token": "<unk>",
                "add_bos_token": True,
                "clean_up_tokenization_spaces": False,
                "model_max_length": CTX,
            },
            f,
        )
    return base, base + K + 2


def main() -> None:
    os.makedirs(OUT, exist_ok=True)
    codebook = rand(K, CODE, scale=1.0)
    encoder()
    quantizer(codebook)
    detokenizer(codebook)
    denoiser()
    latent_decoder()
    offset, vocab = tokenizer()
    language_model(vocab)
    with open(os.path.join(OUT, "scheduler_config.json"), "w") as f:
        json.dump(
            {
                "_class_name": "DDIMScheduler",
                "num_train_timesteps": 1000,
                "beta_start": 0.00085,
                "beta_end": 0.012,
                "beta_schedule": "scaled_linear",
                "prediction_type": "epsilon",
                "clip_sample": False,
                "set_alpha_to_one": False,
                "steps_offset": 1,
                "timestep_spacing": "leading",
            },
            f,
            indent=1,
        )
    with open(os.path.join(OUT, "generation_config.json"), "w") as f:
        json.dump({"do_sample": True, "temperature": 1.0, "top_p": 1.0, "max_new_tokens": 16}, f)

    def spec(name, ins, outs):
        return {
            "file": f"{name}.onnx",
            "inputs": [{"name": n, "dtype": d, "shape": s} for n, d, s in ins],
            "outputs": [{"name": n, "dtype": d, "shape": s} for n, d, s in outs],
        }

    f32, i64 = "float32", "int64"
    lm_in = [
        ("input_ids", i64, ["batch", "seq"]),
        ("attention_mask", i64, ["batch", "total"]),
        ("position_ids", i64, ["batch", "seq"]),
    ]
    lm_out = [("logits", f32, ["batch", "seq", vocab])]
    for i in range(L):
        for kind in ("key", "value"):
            lm_in.append((f"past_key_values.{i}.{kind}", f32, ["batch", HKV, "past", DH]))
            lm_out.append((f"present.{i}.{kind}", f32, ["batch", HKV, "total", DH]))
    manifest = {
        "format": "seed-model",
        "format_version": 1,
        "name": "tiny-seed",
        "description": "Synthetic test package (random hand-built graphs), not a trained model.",
        "license": "MIT",
        "image": {
            "size": [H, W],
            "resample": "bilinear",
            "mean": [0.48145466, 0.4578275, 0.40821073],
            "std": [0.26862954, 0.26130258, 0.27577711],
            "background": [255, 255, 255],
        },
        "visual_tokenizer": {
            "num_tokens": N,
            "codebook_size": K,
            "code_dim": CODE,
            "embed_dim": D,
            "patch_grid": [GH, GW],
        },
        "detokenizer": {"embedding_dim": E, "supports_token_mask": True},
        "image_decoder": {
            "latent_shape": [C, h, w],
            "latent_scaling_factor": 0.5,
            "output_size": [H, W],
            "scheduler_config": "scheduler_config.json",
            "unconditional_embedding": "zeros",
            "defaults": {"steps": 5, "guidance_scale": 3.0, "eta": 0.0},
        },
        "language_model": {
            "num_layers": L,
            "num_kv_heads": HKV,
            "head_dim": DH,
            "vocab_size": vocab,
            "max_position_embeddings": CTX,
            "tokenizer": "tokenizer.json",
            "tokenizer_config": "tokenizer_config.json",
            "generation_config": "generation_config.json",
            "image_token_offset": offset,
            "image_token_format": "<img_{:05d}>",
            "boi_token": "<img>",
            "eoi_token": "</img>",
            "bos_token": "<s>",
            "eos_token": "</s>",
            "stop_tokens": ["</s>"],
            "chat_template": {
                "system": "",
                "user_prefix": "USER: ",
                "assistant_prefix": "\nASSISTANT:",
                "turn_separator": "\n",
            },
        },
        "components": {
            "encoder": spec(
                "encoder",
                [("pixel_values", f32, ["batch", 3, H, W])],
                [("causal_embeddings", f32, ["batch", N, D]), ("attention_maps", f32, ["batch", N, GH * GW])],
            ),
            "quantizer": spec("quantizer", [("causal_embeddings", f32, ["batch", N, D])], [("ids", i64, ["batch", N])]),
            "detokenizer": spec(
                "detokenizer",
                [("ids", i64, ["batch", N]), ("token_mask", f32, ["batch", N])],
                [("generation_embedding", f32, ["batch", E])],
            ),
            "denoiser": spec(
                "denoiser",
                [
                    ("sample", f32, ["batch", C, h, w]),
                    ("timestep", f32, ["batch"]),
                    ("generation_embedding", f32, ["batch", E]),
                ],
                [("out_sample", f32, ["batch", C, h, w])],
            ),
            "latent_decoder": spec(
                "latent_decoder", [("latent_sample", f32, ["batch", C, h, w])], [("sample", f32, ["batch", 3, H, W])]
            ),
            "language_model": spec("language_model", lm_in, lm_out),
        },
        "files": {},
    }
    for name in sorted(os.listdir(OUT)):
        if name == "seed.json":
            continue
        data = open(os.path.join(OUT, name), "rb").read()
        manifest["files"][name] = {"bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}
    with open(os.path.join(OUT, "seed.json"), "w") as f:
        json.dump(manifest, f, indent=1)
    print(f"wrote {OUT}: {len(manifest['files'])} files, vocab {vocab}, image offset {offset}", file=sys.stderr)


if __name__ == "__main__":
    main()
