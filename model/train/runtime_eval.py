"""Evaluate a SEED-mini package through the path users run: the TypeScript runtime and the kernel's `seed` API with
its default options (model/eval/run-eval.ts), scored here against each scene's true attributes.

    .venv/bin/python -m model.train.runtime_eval [--n 500] [--seen-n 200] [--prefix-n 100] [--report]

Scenes: "unseen" = scene_at("test", i, seed=2024) (held-out combinations; the same scenes as evaluate.py's (a)),
"seen" = scene_at("train", i, seed=2024) (fresh scenes of the training split; seed 2024 is not common.SEED, so none
is a training batch's image). Each scene is rendered to a PNG and sent through the runtime:

  reconstruct   seed.tokenize + seed.decode (k = 32), and prefix decodes k = 1, 4, 8 for the first --prefix-n scenes
  draw          seed.chat("Draw {caption}.") greedy (temperature 0) and with default options; one paraphrased prompt
                (DRAW_PARAPHRASES, as a person would type it) with default options
  caption       seed.chat([image, "Describe the image."]) and one paraphrase (CAPTION_PARAPHRASES), default options
  vqa           --vqa-per-scene questions from lm/tasks.vqa_pair, each also asked in a paraphrased form
                (VQA_PARAPHRASES), default options

Images (reconstructions, prefix decodes, drawings) are read by the attribute judge (judge.py; --judge, default
runs/judge.done.pt), captions by lm/judge_text.parse_caption, VQA answers by exact match (case and a final period
ignored). Objects are scored per attribute and separately for emoji and shapes: identity, colour (shapes), size,
presence (the judge sees an object in the object's cell; a caption names one there), plus background and spurious
objects per scene.

Writes OUT/summary.json (default OUT: runs/runtime_eval) and OUT/grid.png (first 8 unseen scenes: original |
reconstruction | first 1, 4, 8 tokens | "Draw ..." greedy | with default options | paraphrased request). --report
also copies the grid to the package (runtime_eval_grid.png) and rewrites the RUNTIME-EVAL section of its REPORT.md
(model/train/report.py keeps that section when evaluate rewrites the file). The runs go in chunks of --chunk scenes
(one Node process each, results in OUT/chunks/); a rerun reuses finished chunks (unless the request, the package or
the runtime's TypeScript changed), so a killed evaluation resumes, and
--score-only rescores what is there (e.g. once the judge is trained).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shlex
import shutil
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageDraw

from . import dataset as D
from .common import PACKAGE_DIR, RUNS, SEED, load
from .judge import EMPTY, Judge, judge_scenes
from .lm import tasks
from .lm.judge_text import parse_caption

REPO = Path(__file__).resolve().parents[2]
DRIVER = REPO / "model" / "eval" / "run-eval.ts"
EVAL_SEED = 2024
PREFIXES = (1, 4, 8)
SPLITS = {"unseen": "test", "seen": "train"}
GRID_SCENES = 8
SECTION_TAG = "RUNTIME-EVAL"

# Prompts a person might type, none of them a training template (tasks.DRAW_PROMPTS, CAPTION_QUESTIONS, vqa_pair).
# "{c}" is the scene's caption. "draw me ...", "Could you sketch ...?" and "Sketch ..." ask for a drawing in the chat
# API's sense (kernel/api/generation.ts asksForDrawing), so it requires an image for them as for "Draw ...".
DRAW_PARAPHRASES = (
    "draw me {c}",
    "An image of {c}, please.",
    "Can you make a picture of {c}?",
    "I'd like a picture of {c}.",
    "Could you sketch {c}?",
    "Sketch {c}, please.",
    "picture of {c}",
    "Could you create an image showing {c}?",
)
CAPTION_PARAPHRASES = (
    "Tell me what is in this image.",
    "Give this picture a caption.",
    "Can you describe what's in the image?",
    "What's in this image?",
    "What is this image of?",
)
# Per VQA kind; fields as tasks.vqa_question fills them: {cell} ("at the top left"), {a_name} ("a red circle"),
# {ref} ("red circle"), {shape}.
VQA_PARAPHRASES: dict[str, tuple[str, ...]] = {
    "identity": ("What's {cell}?", "What is there {cell}?", "Which object is {cell}?"),
    "count": ("How many items are there?", "How many objects do you see?", "Count the objects in the image."),
    "background": ("What color is the background?", "What's the background colour?", "Which color is the background?"),
    "presence": ("Do you see {a_name}?", "Is there {a_name} in this image?", "Does the picture contain {a_name}?"),
    "colour": ("What color is the {shape}?", "Which colour is the {shape}?", "What's the colour of the {shape}?"),
    "position": ("Where's the {ref}?", "Where is the {ref} located?", "In which part of the image is the {ref}?"),
    "size": ("Is the {ref} big or small?", "How big is the {ref}?", "Is the {ref} large or small?"),
}
KINDS = ("emoji", "shape")
OBJECT_ATTRS = {"emoji": ("identity", "size", "presence"), "shape": ("identity", "colour", "size", "presence")}


# ----------------------------------------------------------------------------------------------------------- scenes


def eval_scenes(split: str, n: int) -> list[D.Scene]:
    """The first n evaluation scenes of "unseen" (held-out test split) or "seen" (fresh training-split scenes)."""
    assert EVAL_SEED != SEED, "evaluation scenes must not come from the training batches' stream"
    return [D.scene_at(SPLITS[split], i, seed=EVAL_SEED) for i in range(n)]  # type: ignore[arg-type]


def draw_paraphrase(scene: D.Scene, i: int) -> str:
    return DRAW_PARAPHRASES[i % len(DRAW_PARAPHRASES)].format(c=D.caption(scene))


def _kind_of_ref(ref: str) -> str:
    """'red circle' -> shape, 'dog face' -> emoji (tasks.ref_name spells shapes as colour + shape)."""
    words = ref.split()
    return "shape" if len(words) == 2 and words[0] in D.COLOURS and words[1] in D.SHAPES else "emoji"


@dataclass(frozen=True)
class Question:
    kind: str  # vqa_pair's kind: identity, count, background, presence, colour, position, size
    target: str  # emoji, shape, empty (an identity question about an empty cell) or scene (count, background)
    question: str  # the training template's wording
    paraphrase: str  # the same question as a person might type it
    answer: str


def vqa_questions(scene: D.Scene, rng: np.random.Generator, count: int) -> list[Question]:
    """Up to `count` distinct questions (tasks.vqa_pair), each with its paraphrase and what it asks about."""
    out: list[Question] = []
    for _ in range(count * 4):
        if len(out) == count:
            break
        kind, q, a, fields = tasks.vqa_question(rng, scene)
        if any(x.question == q for x in out):
            continue
        if kind == "identity":
            cell = D.CELL_PHRASES.index(fields["cell"])
            hit = [o for o in scene.objects if o.cell == cell]
            target = ("shape" if hit[0].is_shape else "emoji") if hit else "empty"
        elif kind in ("count", "background"):
            target = "scene"
        elif kind == "presence":
            target = _kind_of_ref(fields["a_name"].split(" ", 1)[1])
        elif kind == "colour":
            target = "shape"
        else:  # position, size: about a unique object, named by tasks.ref_name
            target = _kind_of_ref(fields["ref"])
        templates = VQA_PARAPHRASES[kind]
        para = templates[int(rng.integers(len(templates)))].format(**fields)
        out.append(Question(kind, target, q, para, a))
    return out


# ---------------------------------------------------------------------------------------------------- the requests


@dataclass(frozen=True)
class SceneItem:
    split: str
    index: int
    scene: D.Scene

    @property
    def id(self) -> str:
        return f"{self.split}-{self.index:04d}"


def build_requests(
    items: Sequence[SceneItem],
    out: Path,
    chunk: int,
    prefix_n: int,
    vqa_per_scene: int,
    chat_n: int | None = None,
    inputs_key: str = "",
) -> list[Path]:
    """Renders the scenes into OUT/images and writes one request per chunk (OUT/chunks/<first id>/request.json) with
    a meta.json beside it saying what each question asks and its expected answer; a chunk whose request changed loses
    its old results, and so does one evaluated with another package or runtime (`inputs_key`, see inputs_key()).
    Every scene is reconstructed; only the first `chat_n` of each split (all when None) are also
    drawn, captioned and asked about. Returns the chunk folders."""
    (out / "images").mkdir(parents=True, exist_ok=True)
    folders = []
    for start in range(0, len(items), chunk):
        part = items[start : start + chunk]
        folder = out / "chunks" / part[0].id
        folder.mkdir(parents=True, exist_ok=True)
        request: dict[str, Any] = {"version": 1, "reconstruct": [], "draw": [], "ask": []}
        meta: dict[str, Any] = {"scenes": [it.id for it in part], "ask": {}}
        for it in part:
            png = out / "images" / f"{it.id}.png"
            if not png.exists():
                Image.fromarray(D.render(it.scene)).save(png)
            image = os.path.relpath(png, folder)
            prefixes = list(PREFIXES) if it.index < max(prefix_n, GRID_SCENES if it.split == "unseen" else 0) else []
            request["reconstruct"].append({"id": it.id, "image": image, "prefixes": prefixes})
            if chat_n is not None and it.index >= chat_n:
                continue
            request["draw"] += [
                {"id": f"{it.id}.t", "prompt": f"Draw {D.caption(it.scene)}.", "greedy": True, "seeds": [0]},
                {"id": f"{it.id}.p", "prompt": draw_paraphrase(it.scene, it.index), "greedy": False, "seeds": [0]},
            ]
            asks = [
                (
                    "caption",
                    "scene",
                    "Describe the image.",
                    CAPTION_PARAPHRASES[it.index % len(CAPTION_PARAPHRASES)],
                    D.caption(it.scene),
                )
            ]
            rng = np.random.default_rng([EVAL_SEED, 1 if it.split == "unseen" else 0, it.index, 7])
            asks += [
                (f"vqa:{q.kind}", q.target, q.question, q.paraphrase, q.answer)
                for q in vqa_questions(it.scene, rng, vqa_per_scene)
            ]
            for j, (task, target, question, para, answer) in enumerate(asks):
                for form, text in (("t", question), ("p", para)):
                    ask_id = f"{it.id}.q{j}{form}"
                    request["ask"].append(
                        {"id": ask_id, "image": image, "question": text, "greedy": False, "seeds": [0]}
                    )
                    meta["ask"][ask_id] = {"task": task, "target": target, "form": form, "answer": answer}
        text = json.dumps(request, indent=1) + "\n"
        old_key = (folder / "inputs.key").read_text() if (folder / "inputs.key").exists() else None
        if (
            (folder / "request.json").exists()
            and (folder / "request.json").read_text() != text
            or old_key != inputs_key
        ):
            (folder / "results.json").unlink(missing_ok=True)  # other options, package or code: the answers are stale
        (folder / "request.json").write_text(text)
        (folder / "inputs.key").write_text(inputs_key)
        (folder / "meta.json").write_text(json.dumps(meta, indent=1) + "\n")
        folders.append(folder)
    return folders


def inputs_key(package: Path) -> str:
    """What a chunk's answers depend on besides its request: the package (its seed.json holds every file's sha256)
    and the TypeScript that runs it (the runtime, the kernel's seed API, the evaluation driver)."""
    h = hashlib.sha256((package / "seed.json").read_bytes())
    repo = Path(__file__).resolve().parents[2]
    for folder in ("model/runtime", "kernel", "model/eval"):
        for f in sorted((repo / folder).rglob("*.ts")):
            h.update(f.relative_to(repo).as_posix().encode() + b"\0" + f.read_bytes())
    return h.hexdigest()


def _runs(item: dict) -> int:
    """How many chat calls a draw or ask item of a request makes (greedy and one per seed)."""
    return int(item["greedy"]) + len(item["seeds"])


def _complete(folder: Path) -> bool:
    """A chunk's results.json exists and covers every item of its request (a killed run leaves it partial)."""
    res, req = folder / "results.json", folder / "request.json"
    if not res.exists():
        return False
    r, q = json.loads(res.read_text()), json.loads(req.read_text())
    return (
        len(r["reconstruct"]) == len(q["reconstruct"])
        and len(r["draw"]) == sum(map(_runs, q["draw"]))
        and len(r["ask"]) == sum(map(_runs, q["ask"]))
    )


def run_driver(folder: Path, package: Path, threads: int) -> None:
    """One Node process over a chunk's request; its progress lines go to stderr."""
    node = shutil.which("node")
    if node is None:
        raise RuntimeError("node is not on PATH; the runtime evaluation runs the TypeScript driver with Node >= 20")
    cmd = [
        node,
        "--import",
        "tsx",
        str(DRIVER),
        str(folder / "request.json"),
        str(folder),
        "--model",
        str(package),
        "--threads",
        str(threads),
    ]
    r = subprocess.run(cmd, cwd=REPO)
    if r.returncode != 0:
        raise RuntimeError(
            f"the runtime driver failed (exit {r.returncode}) on {folder / 'request.json'}: {shlex.join(cmd)}"
        )


# ---------------------------------------------------------------------------------------------------------- scoring


class Tally:
    """Hit lists per (group, attribute); mean() gives the accuracy and how many were judged."""

    def __init__(self) -> None:
        self.hits: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))

    def add(self, group: str, attr: str, value: float) -> None:
        """A hit (True/False) or, for counts such as spurious objects, a number."""
        self.hits[group][attr].append(float(value))

    def mean(self) -> dict[str, dict[str, dict[str, float]]]:
        return {
            g: {a: {"acc": float(np.mean(v)), "n": len(v)} for a, v in attrs.items()} for g, attrs in self.hits.items()
        }


def score_images(scenes: Sequence[D.Scene], pred: dict[str, np.ndarray], present: Sequence[bool]) -> dict:
    """Judge readings (judge_scenes, [B] rows) of the images of `scenes` -> per-kind, per-attribute accuracy. A scene
    whose image is missing (`present` false: the runtime drew nothing or failed) counts as every attribute missed."""
    t = Tally()
    for i, s in enumerate(scenes):
        if present[i]:
            identity, colour, size = pred["identity"][i], pred["colour"][i], pred["size"][i]
            background = int(pred["background"][i])
        else:
            identity, colour, size, background = np.full(9, EMPTY), np.full(9, -1), np.full(9, -1), -1
        occupied = {o.cell for o in s.objects}
        t.add("scene", "background", background == s.background)
        t.add("scene", "spurious_per_scene", sum(1 for c in range(9) if c not in occupied and identity[c] != EMPTY))
        t.add("scene", "missing_images", not present[i])
        for o in s.objects:
            kind = "shape" if o.is_shape else "emoji"
            t.add(kind, "presence", identity[o.cell] != EMPTY)
            t.add(kind, "identity", identity[o.cell] == o.identity)
            t.add(kind, "size", size[o.cell] == o.size)
            if o.is_shape:
                t.add(kind, "colour", colour[o.cell] == o.colour)
    return t.mean()


def score_caption(text: str | None, scene: D.Scene, t: Tally) -> None:
    """A generated caption (None: the call failed) against the scene, into `t` (judge_text.parse_caption reads it)."""
    bg, objs = parse_caption(text or "")
    by_cell = {o.cell: o for o in objs}
    t.add("scene", "background", bg == tuple(D.BACKGROUNDS)[scene.background])
    t.add("scene", "count", len(objs) == len(scene.objects))
    exact = text is not None and any(text.strip() == D.caption(scene, k) for k in range(D.NUM_TEMPLATES))
    t.add("scene", "exact", exact)
    t.add("scene", "spurious_per_scene", sum(1 for cell in by_cell if cell not in {o.cell for o in scene.objects}))
    for o in scene.objects:
        kind = "shape" if o.is_shape else "emoji"
        p = by_cell.get(o.cell)
        t.add(kind, "presence", p is not None)
        t.add(kind, "identity", p is not None and p.name == o.name)
        t.add(kind, "size", p is not None and p.size == D.SIZES[o.size])
        if o.is_shape:
            t.add(kind, "colour", p is not None and p.colour == tuple(D.COLOURS)[o.colour])


def normalise(answer: str) -> str:
    return answer.strip().lower().rstrip(".").strip()


def _load_png(path: Path) -> np.ndarray:
    return np.asarray(Image.open(path).convert("RGB"), np.uint8)


@dataclass
class Collected:
    """Everything the chunks returned for one split, in scene order."""

    scenes: list[D.Scene]
    originals: list[Path]
    recon: dict[str, list[Path | None]]  # "32", "1", "4", "8" -> decoded PNG per scene (None: none)
    wanted: dict[str, list[bool]]  # the same keys -> whether the request asked for that decode
    draws: dict[str, list[dict]]  # "template-greedy", "template-default", "paraphrase-default"
    asks: list[tuple[dict, dict]]  # (result, meta) per question
    seconds: dict[str, list[tuple[str, float]]]  # task -> (scene id or chunk, seconds) per call
    errors: list[str]
    run_seconds: float = 0.0  # wall time of the Node processes whose first scene is here


def collect(split: str, items: Sequence[SceneItem], folders: Iterable[Path], out: Path) -> Collected:
    by_id = {it.id: it for it in items if it.split == split}
    index = {sid: k for k, sid in enumerate(by_id)}
    n = len(by_id)
    c = Collected(
        [it.scene for it in by_id.values()],
        [out / "images" / f"{sid}.png" for sid in by_id],
        {k: [None] * n for k in ("32", *map(str, PREFIXES))},
        {k: [False] * n for k in ("32", *map(str, PREFIXES))},
        {k: [{}] * n for k in ("template-greedy", "template-default", "paraphrase-default")},
        [],
        defaultdict(list),
        [],
    )
    for folder in folders:
        res = json.loads((folder / "results.json").read_text())
        meta = json.loads((folder / "meta.json").read_text())
        for q in json.loads((folder / "request.json").read_text())["reconstruct"]:
            if q["id"] in index:
                for k in ("32", *map(str, q["prefixes"])):
                    c.wanted[k][index[q["id"]]] = True
        if meta["scenes"][0] in index:
            c.seconds["model load (once per Node process)"].append((folder.name, res["loadSeconds"]))
            c.run_seconds += res["seconds"]
        for r in res["reconstruct"]:
            if r["id"] not in index:
                continue
            k = index[r["id"]]
            if r.get("error"):
                c.errors.append(f"reconstruct {r['id']}: {r['error']}")
            if r.get("reconstruction"):
                c.recon["32"][k] = folder / r["reconstruction"]
            for p, path in r.get("prefixes", {}).items():
                c.recon[p][k] = folder / path
            for key, secs in r["seconds"].items():
                call = "prefix decode" if key.startswith("prefix") else key
                c.seconds[f"reconstruct: {call}"].append((r["id"], secs))
        for r in res["draw"]:
            sid, form = r["id"].rsplit(".", 1)
            if sid not in index:
                continue
            name = ("template-" if form == "t" else "paraphrase-") + ("greedy" if r["run"] == "greedy" else "default")
            c.draws[name][index[sid]] = {**r, "png": str(folder / r["png"]) if r.get("png") else None}
            if r.get("error"):
                c.errors.append(f"draw {r['id']} {r['run']}: {r['error']}")
            if "chat" in r["seconds"]:
                c.seconds[f"draw ({name})"].append((sid, r["seconds"]["chat"]))
        for r in res["ask"]:
            m = meta["ask"].get(r["id"])
            sid = r["id"].rsplit(".", 1)[0]
            if m is None or sid not in index:
                continue
            c.asks.append(({**r, "scene": index[sid]}, m))
            if r.get("error"):
                c.errors.append(f"ask {r['id']}: {r['error']}")
            if "chat" in r["seconds"]:
                c.seconds["caption" if m["task"] == "caption" else "vqa"].append((sid, r["seconds"]["chat"]))
    return c


def cost(seconds: dict[str, list[tuple[str, float]]], scenes: int) -> dict[str, dict[str, float]]:
    """Per call: mean seconds, calls, and seconds per scene that made such calls (model loads: over all scenes)."""
    out = {}
    for k, calls in sorted(seconds.items()):
        secs = [x for _, x in calls]
        per = scenes if k.startswith("model load") else len({sid for sid, _ in calls})
        out[k] = {"mean": float(np.mean(secs)), "n": len(secs), "per_scene": float(np.sum(secs)) / max(per, 1)}
    return out


def score_split(c: Collected, judge: Judge | None) -> dict[str, Any]:
    def judged(paths: Sequence[Path | None], rows: Sequence[int]) -> dict:
        """Judges the images of the scenes at `rows`; a missing image (a failed call) counts as all attributes wrong."""
        if judge is None or not rows:
            return {}
        present = [paths[k] is not None for k in rows]
        images = np.stack(
            [_load_png(p) if p is not None else np.zeros((64, 64, 3), np.uint8) for p in (paths[k] for k in rows)]
        )
        scores = score_images([c.scenes[k] for k in rows], judge_scenes(judge, images), present)
        return {"n_scenes": len(rows), **scores}

    res: dict[str, Any] = {"n_scenes": len(c.scenes), "images": {}, "draw": {}, "caption": {}, "vqa": {}}
    if judge is not None:
        res["images"]["originals"] = judged(c.originals, range(len(c.scenes)))
        for k in ("32", *map(str, PREFIXES)):
            res["images"][f"k={k}"] = judged(c.recon[k], [i for i, w in enumerate(c.wanted[k]) if w])
    for name, runs in c.draws.items():
        done = [r for r in runs if r]
        entry: dict[str, Any] = {
            "n": len(done),
            "exact_span": float(np.mean([bool(r.get("exact")) for r in done])) if done else None,
            "stop_token": float(np.mean([r.get("stopReason") == "stop-token" for r in done])) if done else None,
            "mean_tokens": float(np.mean([r.get("tokens", 0) for r in done])) if done else None,
            "errors": sum(1 for r in done if r.get("error")),
        }
        if judge is not None and done:
            pngs = [Path(r["png"]) if r.get("png") else None for r in runs]
            entry["judged"] = judged(pngs, [k for k, r in enumerate(runs) if r])
        res["draw"][name] = entry
    captions = {"t": Tally(), "p": Tally()}
    vqa = {"t": Tally(), "p": Tally()}
    for r, m in c.asks:
        with_image = bool(r.get("imageSpans", "<image>" in (r.get("text") or "")))
        if m["task"] == "caption":
            score_caption(r.get("text"), c.scenes[r["scene"]], captions[m["form"]])
            captions[m["form"]].add("scene", "answered_with_image", with_image)
        else:
            vqa[m["form"]].add("all", "answered with an image", with_image)
            kind = m["task"].split(":", 1)[1]
            hit = r.get("text") is not None and normalise(r["text"]) == normalise(m["answer"])
            vqa[m["form"]].add(m["target"], kind, hit)
            vqa[m["form"]].add("all", kind, hit)
            vqa[m["form"]].add("all", "all", hit)
    for form, name in (("t", "template"), ("p", "paraphrase")):
        res["caption"][name] = captions[form].mean()
        res["vqa"][name] = vqa[form].mean()
    res["seconds_per_call"] = cost(c.seconds, len(c.scenes))
    res["errors"] = c.errors[:20]
    res["error_count"] = len(c.errors)
    return res


# ------------------------------------------------------------------------------------------------------ grid, report


def write_grid(c: Collected, path: Path, n: int = GRID_SCENES) -> None:
    """Rows: the first n scenes; columns: original | reconstruction (k = 32) | first 1, 4, 8 tokens | "Draw
    {caption}." greedy | the same with default options | the paraphrased request with default options."""
    drawn = lambda name: [Path(r["png"]) if r.get("png") else None for r in c.draws[name]]  # noqa: E731
    cols = [("original", c.originals), ("reconstruction", c.recon["32"])]
    cols += [(f"first {k} tokens", c.recon[str(k)]) for k in PREFIXES]
    cols += [
        ("Draw ..., greedy", drawn("template-greedy")),
        ("Draw ..., default", drawn("template-default")),
        ("paraphrase, default", drawn("paraphrase-default")),
    ]
    cell, pad, head = 128, 6, 18
    rows = min(n, len(c.scenes))
    img = Image.new("RGB", (len(cols) * (cell + pad) + pad, head + rows * (cell + pad) + pad), (255, 255, 255))
    draw = ImageDraw.Draw(img)
    for j, (label, paths) in enumerate(cols):
        x = pad + j * (cell + pad)
        draw.text((x + 2, 3), label, fill=(0, 0, 0))
        for i in range(rows):
            y = head + pad + i * (cell + pad)
            p = paths[i]
            if p is not None and Path(p).exists():
                img.paste(Image.open(p).convert("RGB").resize((cell, cell), Image.NEAREST), (x, y))
            else:
                draw.rectangle((x, y, x + cell - 1, y + cell - 1), outline=(200, 0, 0))
                draw.text((x + 8, y + cell // 2 - 6), "none", fill=(200, 0, 0))
    path.parent.mkdir(parents=True, exist_ok=True)
    img.save(path, optimize=True)


def _pct(entry: Any) -> str:
    return "-" if not entry else f"{100 * entry['acc']:.1f}%"


COLUMNS = (
    "emoji identity",
    "emoji size",
    "emoji present",
    "shape identity",
    "shape colour",
    "shape size",
    "shape present",
    "background",
    "spurious / scene",
)


def _head(*extra: str) -> list[str]:
    cols = ("", *COLUMNS, *extra)
    return ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]


def _row(label: str, s: dict, extra: Sequence[str] = ()) -> str:
    e, sh, sc = s.get("emoji", {}), s.get("shape", {}), s.get("scene", {})
    cells = [
        _pct(e.get("identity")),
        _pct(e.get("size")),
        _pct(e.get("presence")),
        _pct(sh.get("identity")),
        _pct(sh.get("colour")),
        _pct(sh.get("size")),
        _pct(sh.get("presence")),
        _pct(sc.get("background")),
        f"{sc['spurious_per_scene']['acc']:.2f}" if "spurious_per_scene" in sc else "-",
    ]
    return f"| {label} | " + " | ".join(cells + list(extra)) + " |"


def render_section(summary: dict[str, Any]) -> str:
    lines = [
        f"<!-- {SECTION_TAG}:BEGIN -->",
        "## Through the runtime: the `seed` API with its default options",
        "",
        f"`{summary['command']}` ({summary['date']}; {summary['runtime_minutes']:.0f} min in the runtime on the "
        f"shared 2 cores; package `{summary['package']}`, ONNX Runtime CPU, {summary['threads']} threads).",
        "",
        "Every number comes from the TypeScript runtime through the kernel's `seed` object "
        "(model/eval/run-eval.ts), called as a notebook cell calls it. Unseen = held-out test scenes "
        f"(`scene_at('test', i, seed={EVAL_SEED})`), seen = fresh training-split scenes. Objects are scored "
        'separately for emoji and shapes; "present" = an object is found in the object\'s cell. Drawings and '
        "decodes are read by the attribute judge, captions by `lm/judge_text.parse_caption`, VQA answers by "
        "exact match. Paraphrases: prompts as a person would type them (DRAW_PARAPHRASES, CAPTION_PARAPHRASES, "
        "VQA_PARAPHRASES in model/train/runtime_eval.py), none of them a training template.",
        "",
    ]
    lines += [f"Attribute judge: {summary['judge']}.", ""]
    for split, s in summary["splits"].items():
        lines += [
            f"### {split} ({s['n_scenes']} scenes)",
            "",
            "Images (judged):",
            "",
            *_head("image span: one, closed, 32 codes"),
        ]
        for key, label in (
            ("originals", "originals (judge ceiling)"),
            ("k=32", "tokenize -> decode"),
            *((f"k={k}", f"first {k} tokens -> decode") for k in PREFIXES),
        ):
            if s["images"].get(key):
                lines.append(_row(f"{label} ({s['images'][key]['n_scenes']})", s["images"][key], ["-"]))
        for name, label in (
            ("template-greedy", '"Draw {caption}.", greedy'),
            ("template-default", '"Draw {caption}.", default options'),
            ("paraphrase-default", "paraphrased request, default options"),
        ):
            d = s["draw"].get(name, {})
            exact = "-" if d.get("exact_span") is None else f"{100 * d['exact_span']:.1f}%"
            lines.append(_row(f"{label} ({d.get('n', 0)})", d.get("judged", {}), [exact]))
        lines += ["", "Captions (default options):", "", *_head("count", "exact", "answered with an image")]
        for name, label in (("template", '"Describe the image."'), ("paraphrase", "paraphrased question")):
            cap = s["caption"].get(name, {})
            sc = cap.get("scene", {})
            extra = [_pct(sc.get("count")), _pct(sc.get("exact")), _pct(sc.get("answered_with_image"))]
            lines.append(_row(label, cap, extra))
        lines += [
            "",
            "VQA (default options), accuracy by question kind and what it asks about:",
            "",
            "| question | template | paraphrase | n |",
            "|---|---|---|---|",
        ]
        t, p = s["vqa"].get("template", {}), s["vqa"].get("paraphrase", {})
        for group in ("emoji", "shape", "empty", "scene", "all"):
            for kind in sorted(t.get(group, {})):
                if group == "all" and kind not in ("all", "answered with an image"):
                    continue
                label = (
                    {"all": "all questions (correct)", "answered with an image": "answered with an image"}.get(
                        kind, f"{kind} ({group})"
                    )
                    if group == "all"
                    else f"{kind} ({group})"
                )
                lines.append(
                    f"| {label} | {_pct(t[group][kind])} | {_pct(p.get(group, {}).get(kind))} | {t[group][kind]['n']} |"
                )
        lines.append("")
    lines += [
        "Cost through the runtime, both splits (seconds; shared 2 cores, so they vary with the load):",
        "",
        "| call | s / call | calls | s / scene |",
        "|---|---|---|---|",
    ]
    for k, v in summary["seconds_per_call"].items():
        lines.append(f"| {k} | {v['mean']:.2f} | {v['n']} | {v['per_scene']:.2f} |")
    lines += [
        "",
        f"![runtime grid]({summary['grid_name']})",
        "",
        f"`{summary['grid_name']}`: the first {GRID_SCENES} unseen scenes; columns: original | "
        "tokenize -> decode "
        '| first 1, 4, 8 tokens | "Draw {caption}." greedy | the same with default options | the paraphrased '
        "request with default options.",
        f"<!-- {SECTION_TAG}:END -->",
    ]
    return "\n".join(lines) + "\n"


# ------------------------------------------------------------------------------------------------------------- main


def _load_judge(path: Path) -> tuple[Judge | None, str]:
    """The attribute judge from a checkpoint (judge.done.pt, or an interim judge.pt), and a line saying which."""
    inside = path.absolute().is_relative_to(REPO)
    where = os.path.relpath(path.absolute(), REPO) if inside else f"{path.name} (outside the repository)"
    if not path.exists():
        return None, (
            f"none ({where} is missing: train it with `.venv/bin/python -m model.train.judge`), so images are not judged"
        )
    state = load(path)
    judge = Judge()
    judge.load_state_dict(state["model"])
    step = state.get("step") or state.get("steps")
    interim = path.name != "judge.done.pt"
    return judge.eval(), f"`{where}`" + (f" (interim checkpoint, step {step})" if interim else "")


def main(argv: list[str] | None = None) -> dict[str, Any]:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=500, help="held-out (unseen) scenes")
    ap.add_argument("--seen-n", type=int, default=200, help="fresh training-split (seen) scenes")
    ap.add_argument("--prefix-n", type=int, default=100, help="scenes per split that also get prefix decodes")
    ap.add_argument(
        "--vqa-per-scene", type=int, default=2, help="questions per scene (each asked twice: template and paraphrase)"
    )
    ap.add_argument(
        "--chat-n",
        type=int,
        default=None,
        help="scenes per split that are also drawn, captioned and asked about (default: all); the rest are only "
        "reconstructed (chat calls cost ~20x a reconstruction on 2 cores)",
    )
    ap.add_argument(
        "--chunk", type=int, default=25, help="scenes per Node process (a finished chunk is reused on rerun)"
    )
    ap.add_argument("--threads", type=int, default=2, help="ONNX Runtime threads (the kernel's default is 2)")
    ap.add_argument("--package", type=Path, default=PACKAGE_DIR)
    ap.add_argument("--out", type=Path, default=RUNS / "runtime_eval")
    ap.add_argument("--judge", type=Path, default=RUNS / "judge.done.pt", help="attribute judge checkpoint")
    ap.add_argument("--score-only", action="store_true", help="score the chunks already in OUT; run nothing")
    ap.add_argument("--report", action="store_true", help="rewrite the RUNTIME-EVAL section of the package's REPORT.md")
    a = ap.parse_args(argv)
    if a.n < 1 or a.seen_n < 0 or a.chunk < 1:
        ap.error("--n and --chunk must be >= 1 and --seen-n >= 0")
    if not (a.package / "seed.json").exists():
        ap.error(f"no model package at {a.package} (seed.json missing)")
    t0 = time.time()
    items = [
        SceneItem(split, i, s)
        for split, n in (("unseen", a.n), ("seen", a.seen_n))
        for i, s in enumerate(eval_scenes(split, n))
    ]
    out = a.out.resolve()
    folders = build_requests(items, out, a.chunk, a.prefix_n, a.vqa_per_scene, a.chat_n, inputs_key(a.package))
    for k, folder in enumerate(folders):
        if _complete(folder):
            print(f"chunk {k + 1}/{len(folders)} {folder.name}: done earlier", file=sys.stderr, flush=True)
            continue
        if a.score_only:
            raise SystemExit(f"--score-only: chunk {folder} has no complete results.json; run without --score-only")
        print(
            f"chunk {k + 1}/{len(folders)} {folder.name} ({time.time() - t0:.0f} s so far)", file=sys.stderr, flush=True
        )
        run_driver(folder, a.package.resolve(), a.threads)
    judge, judge_status = _load_judge(a.judge)
    collected = {
        split: collect(split, items, folders, out) for split in SPLITS if any(it.split == split for it in items)
    }
    seconds: dict[str, list[tuple[str, float]]] = defaultdict(list)
    for c in collected.values():
        for k, v in c.seconds.items():
            seconds[k] += v
    grid_path = out / "grid.png"
    write_grid(collected["unseen"], grid_path)
    shown = [".venv/bin/python", "-m", "model.train.runtime_eval", *(argv if argv is not None else sys.argv[1:])]
    summary: dict[str, Any] = {
        "command": shlex.join(shown),
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "package": os.path.relpath(a.package.resolve(), REPO),
        "threads": a.threads,
        "judge": judge_status,
        "splits": {split: score_split(c, judge) for split, c in collected.items()},
        "seconds_per_call": cost(seconds, len(items)),
        "grid_name": "runtime_eval_grid.png",
        "runtime_minutes": sum(c.run_seconds for c in collected.values()) / 60,
    }
    (out / "summary.json").write_text(json.dumps(summary, indent=1) + "\n")
    print(f"wrote {out / 'summary.json'} and {grid_path}", file=sys.stderr)
    if a.report:
        from .report import replace_section

        shutil.copyfile(grid_path, a.package / summary["grid_name"])
        replace_section(a.package / "REPORT.md", SECTION_TAG, render_section(summary))
        print(f"updated the {SECTION_TAG} section of {a.package / 'REPORT.md'}", file=sys.stderr)
    return summary


if __name__ == "__main__":
    main()
