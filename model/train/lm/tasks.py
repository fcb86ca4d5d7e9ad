"""Conversations for the SEED-mini LM, built from the visual side's scenes (model/train/dataset.py).

Tasks (SEED-LLaMA's SFT mix at toy scale; images are ImageRef(scene), their codes are filled in later):
  t2i        "Draw a ..." -> response + {IMG}                    (text -> image)
  caption    {IMG} "Describe the image." -> caption               (image -> text)
  vqa        {IMG} question -> exact attribute answer; 1-3 questions as consecutive turns
             (identity at a cell, colour of a shape, count, position, size, background, presence yes/no)
  edit       {IMG_A} "now put it on a green background" -> response + {IMG_B}; or multi-turn: draw, then 1-2
             edits that refer back to the image in context (background, add, remove, move, resize, recolour)
  compose    {IMG_A}{IMG_B} "Put the X and the Y together on a ... background." -> response + {IMG_C}

Every edited or composed scene is re-rendered and re-tokenized (it is a new Scene) and obeys the split: a
"train" conversation never contains a held-out object (dataset.is_held_out).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import numpy as np

from .. import dataset as ds
from .template import ImageRef, Turn

TASK_WEIGHTS: dict[str, float] = {"t2i": 0.30, "caption": 0.15, "vqa": 0.22, "edit": 0.25, "compose": 0.08}
DRAW_PROMPTS = (
    "Draw",
    "Please generate an image of",
    "Can you draw",
    "Create a picture of",
    "Show me",
    "Make an image of",
    "Paint",
    "Please draw",
    "I would like a picture of",
    "Generate",
    "Could you draw",
    "Make a drawing of",
    "I want an image of",
    "Produce a picture of",
    "Render",
    "Can you create an image of",
    "Please make a picture of",
    "Draw a picture of",
)
IMAGE_RESPONSES = ("Here is the image.", "I have generated an image.", "Sure, here it is.")
EDIT_RESPONSES = ("Here is the edited image.", "Done.", "Sure, here it is.")
CAPTION_QUESTIONS = (
    "Describe the image.",
    "What is in this picture?",
    "Write a caption for this image.",
    "What do you see?",
    "Describe this picture.",
    "Caption this image.",
    "What does the image show?",
    "Tell me about this image.",
    "What is shown in the picture?",
    "Can you describe this image?",
    "What can you see in the image?",
    "Give a short description of the image.",
    "Describe what you see.",
)
# Each VQA kind is asked in several phrasings (none of them runtime_eval's held-out paraphrases), so that the
# model answers the question rather than matching one template; {cell} is a cell phrase ("at the top left").
IDENTITY_QUESTIONS = (
    "What is {cell}?",
    "What is shown {cell}?",
    "What do you see {cell}?",
    "What object is {cell}?",
    "Name the object {cell}.",
    "What can you see {cell}?",
    "Tell me what is {cell}.",
    "What is located {cell}?",
    "Which thing is {cell}?",
    "Which item is {cell}?",
    "What is pictured {cell}?",
    "Identify the object {cell}.",
    "What sits {cell}?",
)
COUNT_QUESTIONS = (
    "How many objects are there?",
    "How many things are in the picture?",
    "Count the objects.",
    "How many objects can you see?",
    "How many items are in the image?",
    "What is the number of objects?",
    "How many objects are in this picture?",
    "Count the items.",
    "Count the things in the picture.",
    "Please count the objects.",
    "Count how many objects there are.",
    "How many things do you see?",
    "Tell me how many objects there are.",
)
BACKGROUND_QUESTIONS = (
    "What colour is the background?",
    "What is the background colour?",
    "Which colour is the background?",
    "What is the background color?",
    "What color is the background of the image?",
    "What is the colour of the background?",
    "Tell me the background colour.",
)
PRESENCE_QUESTIONS = (
    "Is there {a_name} in the picture?",
    "Can you see {a_name} in the image?",
    "Is {a_name} visible in the picture?",
    "Does the image show {a_name}?",
    "Is there {a_name} anywhere in the image?",
    "Is {a_name} in the picture?",
    "Can I see {a_name} in this picture?",
    "Is {a_name} shown?",
    "Does this picture have {a_name} in it?",
)
COLOUR_QUESTIONS = (
    "What colour is the {shape}?",
    "What is the colour of the {shape}?",
    "What color is the {shape} in the image?",
    "Tell me the colour of the {shape}.",
    "Which color does the {shape} have?",
    "Tell me what colour the {shape} is.",
    "What colour does the {shape} have?",
)
POSITION_QUESTIONS = (
    "Where is the {ref}?",
    "Where is the {ref} in the image?",
    "Where can I find the {ref}?",
    "Where does the {ref} appear?",
    "Which part of the picture is the {ref} in?",
    "Where in the image is the {ref}?",
    "Where do you see the {ref}?",
)
SIZE_QUESTIONS = (
    "Is the {ref} small or large?",
    "What size is the {ref}?",
    "How large is the {ref}?",
    "Tell me the size of the {ref}.",
    "Is the {ref} a small one or a large one?",
)
COUNT_WORDS = ("zero", "one", "two", "three", "four")
_BG = tuple(ds.BACKGROUNDS)
_COL = tuple(ds.COLOURS)


def ref_name(obj: ds.SceneObject) -> str:
    """How instructions refer to an object: 'red circle' for shapes, the emoji name otherwise."""
    return f"{_COL[obj.colour]} {obj.name}" if obj.is_shape else obj.name


def object_words(obj: ds.SceneObject) -> str:
    """'a red circle' / 'a dog face' (identity and colour, no size or cell): the VQA identity answer."""
    w = ref_name(obj)
    return ("an " if w[0] in "aeiou" else "a ") + w


def new_object(rng: np.random.Generator, cell: int, background: int) -> ds.SceneObject:
    """A random object for `cell` (emoji 70%, shape 30% in a colour other than the background's name)."""
    size = int(rng.integers(len(ds.SIZES)))
    j = ds.JITTER_PX[ds.SIZES[size]]
    dx, dy = (int(v) for v in rng.integers(-j, j + 1, size=2))
    if rng.random() < 0.3:
        colours = [c for c in range(len(_COL)) if _COL[c] != _BG[background]]
        identity = len(ds.EMOJI_NAMES) + int(rng.integers(len(ds.SHAPES)))
        return ds.SceneObject(identity, int(rng.choice(colours)), cell, size, dx, dy)
    return ds.SceneObject(int(rng.integers(len(ds.EMOJI_NAMES))), -1, cell, size, dx, dy)


def unique_objects(scene: ds.Scene) -> list[ds.SceneObject]:
    names = [ref_name(o) for o in scene.objects]
    return [o for o, n in zip(scene.objects, names) if names.count(n) == 1]


def _ok(scene: ds.Scene, split: str) -> bool:
    return split == "test" or not any(ds.is_held_out(o) for o in scene.objects)


def _with_objects(scene: ds.Scene, objects: list[ds.SceneObject]) -> ds.Scene:
    return replace(scene, objects=tuple(sorted(objects, key=lambda o: o.cell)))


def random_edit(rng: np.random.Generator, scene: ds.Scene, split: str) -> tuple[str, ds.Scene] | None:
    """One instruction and the edited scene, or None when the drawn edit does not apply to this scene."""
    kind = str(rng.choice(["background", "add", "remove", "move", "resize", "recolour"]))
    objs = list(scene.objects)
    free = [c for c in range(9) if c not in {o.cell for o in objs}]
    uniq = unique_objects(scene)
    if kind == "background":
        bg = int(
            rng.choice(
                [
                    b
                    for b in range(len(_BG))
                    if b != scene.background and not any(o.is_shape and _COL[o.colour] == _BG[b] for o in objs)
                ]
            )
        )
        text = str(
            rng.choice(
                [
                    f"Now put it on {'an' if _BG[bg][0] in 'aeiou' else 'a'} {_BG[bg]} background.",
                    f"Change the background to {_BG[bg]}.",
                ]
            )
        )
        return text, replace(scene, background=bg)
    if kind == "add" and len(objs) < 3 and free:
        for _ in range(20):
            new = new_object(rng, int(rng.choice(free)), scene.background)
            if _ok(ds.Scene(scene.background, (new,)), split):
                phrase = ds.object_phrase(new)
                return f"Add {phrase}.", _with_objects(scene, objs + [new])
        return None
    if not uniq:
        return None
    target = uniq[int(rng.integers(len(uniq)))]
    rest = [o for o in objs if o is not target]
    if kind == "remove" and len(objs) > 1:
        return f"Remove the {ref_name(target)}.", _with_objects(scene, rest)
    if kind == "move" and free:
        moved = replace(target, cell=int(rng.choice(free)))
        return f"Move the {ref_name(target)} to the {ds.CELLS[moved.cell]}.", _with_objects(scene, rest + [moved])
    if kind == "resize":
        resized = replace(target, size=1 - target.size, dx=0, dy=0)
        return f"Make the {ref_name(target)} {ds.SIZES[resized.size]}.", _with_objects(scene, rest + [resized])
    if kind == "recolour" and target.is_shape:
        colours = [c for c in range(len(_COL)) if c != target.colour and _COL[c] != _BG[scene.background]]
        new = replace(target, colour=int(rng.choice(colours)))
        return f"Make the {target.name} {_COL[new.colour]}.", _with_objects(scene, rest + [new])
    return None


def edit_chain(rng: np.random.Generator, scene: ds.Scene, split: str, n: int) -> list[tuple[str, ds.Scene]]:
    out: list[tuple[str, ds.Scene]] = []
    tries = 0
    while len(out) < n and tries < 30:
        tries += 1
        edit = random_edit(rng, out[-1][1] if out else scene, split)
        if edit is not None and _ok(edit[1], split):
            out.append(edit)
    return out


def vqa_pair(rng: np.random.Generator, scene: ds.Scene) -> tuple[str, str, str]:
    """(kind, question, answer) about one scene; answers are exact attribute words."""
    kind, q, a, _ = vqa_question(rng, scene)
    return kind, q, a


def vqa_question(rng: np.random.Generator, scene: ds.Scene) -> tuple[str, str, str, dict[str, str]]:
    """(kind, question, answer, fields): fields are what the question's template was filled with (cell: a cell
    phrase; a_name: "a red circle"; shape: a shape's name; ref: tasks.ref_name of a unique object), so that the
    same question can be asked in other words."""
    objs, uniq = scene.objects, unique_objects(scene)
    kinds = ["identity", "count", "background", "presence"] + (["position", "size"] if uniq else [])
    if any(o.is_shape for o in uniq):
        kinds.append("colour")
    kind = str(rng.choice(kinds))
    if kind == "identity":
        cell = int(rng.choice([o.cell for o in objs])) if rng.random() < 0.75 else int(rng.integers(9))
        hit = [o for o in objs if o.cell == cell]
        fields = {"cell": ds.CELL_PHRASES[cell]}
        return kind, _ask(rng, IDENTITY_QUESTIONS, fields), object_words(hit[0]) if hit else "nothing", fields
    if kind == "count":
        return kind, str(rng.choice(COUNT_QUESTIONS)), COUNT_WORDS[len(objs)], {}
    if kind == "background":
        return kind, str(rng.choice(BACKGROUND_QUESTIONS)), _BG[scene.background], {}
    if kind == "presence":
        if rng.random() < 0.5:
            name = ref_name(objs[int(rng.integers(len(objs)))])
        else:
            other = new_object(rng, 0, scene.background)
            name = ref_name(other)
        present = any(ref_name(o) == name for o in objs)
        fields = {"a_name": ("an " if name[0] in "aeiou" else "a ") + name}
        return kind, _ask(rng, PRESENCE_QUESTIONS, fields), "yes" if present else "no", fields
    if kind == "colour":
        shapes = [o for o in uniq if o.is_shape and [p.name for p in objs].count(o.name) == 1]
        if shapes:
            o = shapes[int(rng.integers(len(shapes)))]
            fields = {"shape": o.name}
            return kind, _ask(rng, COLOUR_QUESTIONS, fields), _COL[o.colour], fields
        return vqa_question(rng, scene)
    o = uniq[int(rng.integers(len(uniq)))]
    fields = {"ref": ref_name(o)}
    if kind == "position":
        return kind, _ask(rng, POSITION_QUESTIONS, fields), ds.CELL_PHRASES[o.cell], fields
    return kind, _ask(rng, SIZE_QUESTIONS, fields), ds.SIZES[o.size], fields


def _ask(rng: np.random.Generator, templates: tuple[str, ...], fields: dict[str, str]) -> str:
    return str(rng.choice(templates)).format(**fields)


def casual(rng: np.random.Generator, text: str) -> str:
    """How people type: a third of the time the first letter is lower case and/or the final punctuation is
    dropped, so the model does not depend on the templates' exact surface form."""
    if rng.random() < 0.2 and text[:1].isupper() and not text.startswith("I "):
        text = text[0].lower() + text[1:]
    if rng.random() < 0.2 and text[-1:] in ".?":
        text = text[:-1]
    return text


def draw_prompt(rng: np.random.Generator, scene: ds.Scene) -> str:
    verb = str(rng.choice(DRAW_PROMPTS))
    end = "?" if verb.startswith(("Can", "Could")) else "."
    return casual(rng, f"{verb} {ds.caption(scene)}{end}")


def t2i(rng: np.random.Generator, scene: ds.Scene) -> list[Turn]:
    return [Turn((draw_prompt(rng, scene),), (str(rng.choice(IMAGE_RESPONSES)), ImageRef(scene)))]


def captioning(rng: np.random.Generator, scene: ds.Scene) -> list[Turn]:
    return [Turn((ImageRef(scene), casual(rng, str(rng.choice(CAPTION_QUESTIONS)))), (ds.caption(scene),))]


def vqa(rng: np.random.Generator, scene: ds.Scene) -> list[Turn]:
    n = int(rng.integers(1, 4))
    turns: list[Turn] = []
    asked: set[str] = set()
    for k in range(n):
        _, q, a = vqa_pair(rng, scene)
        if q in asked:
            continue
        asked.add(q)
        q = casual(rng, q)
        turns.append(Turn(((ImageRef(scene), q) if k == 0 else (q,)), (a,)))
    return turns


def edit(rng: np.random.Generator, scene: ds.Scene, split: str) -> list[Turn]:
    multi = rng.random() < 0.5
    chain = edit_chain(rng, scene, split, int(rng.integers(1, 3)) if multi else 1)
    if not chain:
        return t2i(rng, scene)
    resp = lambda: str(rng.choice(EDIT_RESPONSES))  # noqa: E731
    if multi:
        turns = t2i(rng, scene)
        return turns + [Turn((text,), (resp(), ImageRef(s))) for text, s in chain]
    text, edited = chain[0]
    return [Turn((ImageRef(scene), text), (resp(), ImageRef(edited)))]


def compose(rng: np.random.Generator, sample: Callable[[], ds.Scene], split: str) -> list[Turn]:
    for _ in range(20):
        a, b = sample(), sample()
        oa, ob = a.objects[int(rng.integers(len(a.objects)))], b.objects[int(rng.integers(len(b.objects)))]
        if oa.cell == ob.cell or ref_name(oa) == ref_name(ob):
            continue
        bg = int(rng.integers(len(_BG)))
        if any(o.is_shape and _COL[o.colour] == _BG[bg] for o in (oa, ob)):
            continue
        a1, b1 = replace(a, objects=(oa,)), replace(b, objects=(ob,))
        c = _with_objects(replace(a, background=bg), [oa, ob])
        text = f"Put the {ref_name(oa)} and the {ref_name(ob)} together on {'an' if _BG[bg][0] in 'aeiou' else 'a'} {_BG[bg]} background."
        return [Turn((ImageRef(a1), ImageRef(b1), text), (str(rng.choice(IMAGE_RESPONSES)), ImageRef(c)))]
    return t2i(rng, sample())


def random_conversation(rng: np.random.Generator, split: str = "train") -> tuple[str, list[Turn]]:
    """(task name, turns) for one training/evaluation example."""
    names = list(TASK_WEIGHTS)
    task = str(rng.choice(names, p=np.array([TASK_WEIGHTS[n] for n in names])))
    sample = lambda: ds.sample_scene(rng, split)  # noqa: E731
    scene = sample()
    if task == "t2i":
        return task, t2i(rng, scene)
    if task == "caption":
        return task, captioning(rng, scene)
    if task == "vqa":
        return task, vqa(rng, scene)
    if task == "edit":
        return task, edit(rng, scene, split)
    return task, compose(rng, sample, split)


def corpus_lines(rng: np.random.Generator, n: int) -> list[str]:
    """Plain text the task generator produces (images left out), one line per text part, for the BPE model."""
    lines: list[str] = []
    for _ in range(n):
        _, turns = random_conversation(rng, "train" if rng.random() < 0.8 else "test")
        for t in turns:
            for p in t.user + t.assistant:
                if isinstance(p, str):
                    lines.append(p)
        lines.append("USER: ASSISTANT:")
    return lines
