"""The LM section of model/seed-mini/REPORT.md: a table of evaluate.py's results against its targets.

Only the text between the LM-EVAL markers is rewritten (appended at the end when the markers are missing), so the
rest of REPORT.md (the visual side's) is never touched.
"""

from __future__ import annotations

from pathlib import Path

from ..report import replace_section

BEGIN, END = "<!-- LM-EVAL:BEGIN -->", "<!-- LM-EVAL:END -->"


def _pct(x: float | None) -> str:
    return "n/a" if x is None else f"{100 * x:.1f}%"


def _verdict(x: float | None, target: float) -> str:
    return "not measured" if x is None else ("met" if x >= target else "missed")


def render(res: dict) -> str:
    s, u = res["splits"]["seen"], res["splits"]["unseen"]
    rows = [
        (
            "Captioning attribute accuracy (bg, cell, identity, size, colour)",
            s["caption"]["attribute_mean"],
            u["caption"]["attribute_mean"],
            0.90,
        ),
        ("VQA accuracy (all kinds)", s["vqa"]["all"], u["vqa"]["all"], 0.90),
    ]
    judged_s = s.get("t2i_judged", {}).get("mean")
    judged_u = u.get("t2i_judged", {}).get("mean")
    lines = [
        BEGIN,
        "## Language model (SEED-LLaMA at small scale)",
        "",
        f"`python -m model.train.lm.evaluate --n {res['n']} --report` "
        f"(checkpoint step {res['step']}, image codes: {res['codes']}; {res['n']} scenes per split, greedy).",
        "",
        "| metric | seen | unseen (held-out) | target | verdict (seen / unseen) |",
        "|---|---|---|---|---|",
    ]
    if res["codes"] == "stand-in":
        lines[-2:-2] = [
            "**Interim numbers**: this LM was trained briefly on stand-in codes (derived from scene attributes, "
            "not from pixels) to validate the pipeline; it is not the real SEED-mini LM, and text -> image "
            "cannot be judged on decoded images with it.",
            "",
        ]
    for name, a, b, t in rows:
        lines.append(f"| {name} | {_pct(a)} | {_pct(b)} | >= {t:.0%} | {_verdict(a, t)} / {_verdict(b, t)} |")
    lines.append(
        f"| Text -> image attribute accuracy (judged on decoded images) | {_pct(judged_s)} | {_pct(judged_u)} "
        f"| >= 85% / >= 70% | {_verdict(judged_s, 0.85)} / {_verdict(judged_u, 0.70)} |"
    )
    lines.append(
        f"| Image spans with exactly 32 valid tokens, greedy | {_pct(s['t2i_span_valid_greedy'])} | "
        f"{_pct(u['t2i_span_valid_greedy'])} | - | - |"
    )
    lines.append(
        f"| Image spans with exactly 32 valid tokens, sampled (T 1.0, top-p 0.5) | "
        f"{_pct(s['t2i_span_valid_sampled'])} | {_pct(u['t2i_span_valid_sampled'])} | - | - |"
    )
    lines.append(
        f"| Single-turn edit ({{IMG_A}} + instruction): span valid, greedy | {_pct(s.get('edit_span_valid_greedy'))} | "
        f"{_pct(u.get('edit_span_valid_greedy'))} | - | - |"
    )
    lines.append(
        f"| Single-turn edit: attribute accuracy of the edited image (judged) | "
        f"{_pct(s.get('edit_judged', {}).get('mean'))} | {_pct(u.get('edit_judged', {}).get('mean'))} | - | - |"
    )
    lines += ["", "Per attribute (seen / unseen):", "", "| | seen | unseen |", "|---|---|---|"]
    for key in ("t2i_judged", "edit_judged"):
        for k in s.get(key, {}):
            lines.append(f"| {key.split('_')[0]} image {k} | {_pct(s[key][k])} | {_pct(u.get(key, {}).get(k))} |")
    for k in s["caption"]:
        lines.append(f"| caption {k} | {_pct(s['caption'][k])} | {_pct(u['caption'].get(k))} |")
    for k in s["vqa"]:
        if k != "all":
            lines.append(f"| VQA {k} | {_pct(s['vqa'][k])} | {_pct(u['vqa'].get(k))} |")
    for split in ("seen", "unseen"):
        if "t2i_grid" in res["splits"][split]:
            lines.append(
                f"\nText -> image grid ({split}; prompt | rendered target | decoded from the LM's tokens): "
                f"`{res['splits'][split]['t2i_grid']}`"
            )
    t = res["ms_per_token_torch"]
    lines += [
        "",
        f"Decode speed, PyTorch eager with KV cache, batch 1, {t['threads']} thread(s), shared CPU: "
        f"{t['ms_per_token']} ms/token.",
    ]
    if "ms_per_token_ort" in res:
        lines.append(f"ORT-node (language_model.onnx): {res['ms_per_token_ort']}.")
    if judged_s is None:
        lines.append(
            "Judged image accuracy needs the trained tokenizer, denoiser, autoencoder and attribute judge "
            "(runs/*.done.pt) and codes from the real tokenizer; not available at this run."
        )
    lines.append(END)
    return "\n".join(lines) + "\n"


def write_report(res: dict, path: Path) -> None:
    replace_section(path, "LM-EVAL", render(res))
