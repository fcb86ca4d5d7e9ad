// toMimeBundle: objects are asked first, PNG bytes become image/png, other values text/plain; bad bundles fail clearly.

import assert from "node:assert/strict";
import { test } from "node:test";
import { toMimeBundle } from "../../../kernel/display/to-mime-bundle";
import { MIME } from "../../../kernel/protocol/mime";
import { gradientPng } from "./fixtures";

test("an object with toMimeBundle is asked, and text/plain is added when missing", () => {
  class Thing {
    toMimeBundle() {
      return { [MIME.html]: "<b>x</b>" };
    }
  }
  const b = toMimeBundle(new Thing());
  assert.equal(b[MIME.html], "<b>x</b>");
  assert.equal(typeof b[MIME.plain], "string");
});

test("PNG bytes become image/png with the size in text/plain", async () => {
  const png = await gradientPng(20, 10);
  const b = toMimeBundle(Buffer.from(png));
  assert.equal(b[MIME.png], Buffer.from(png).toString("base64"));
  assert.equal(b[MIME.plain], "<PNG image 20x10>");
});

test("other values are text/plain as Node prints them", () => {
  assert.deepEqual(toMimeBundle("hi"), { [MIME.plain]: "'hi'" });
  assert.deepEqual(toMimeBundle(42), { [MIME.plain]: "42" });
  assert.deepEqual(toMimeBundle({ a: [1, 2] }), { [MIME.plain]: "{ a: [ 1, 2 ] }" });
  assert.deepEqual(toMimeBundle(new Uint8Array([1, 2, 3])), { [MIME.plain]: "Uint8Array(3) [ 1, 2, 3 ]" });
});

test("a toMimeBundle that returns nonsense fails, naming the class", () => {
  class Bad {
    toMimeBundle(): unknown {
      return { [MIME.html]: 5 };
    }
  }
  assert.throws(() => toMimeBundle(new Bad()), /Bad\.toMimeBundle\(\): "text\/html" is number/);
});
