// Jupyter wire format: HMAC-SHA256 signing, frame layout, and rejection of bad signatures and malformed frames.

import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { test } from "node:test";
import type { JupyterMessage } from "../../../kernel/jupyter/wire";
import { DELIMITER, decode, encode, newHeader, sign } from "../../../kernel/jupyter/wire";

const KEY = "a0436f6c-1916-498b-8eb9-e81ab9368e84";

function message(): JupyterMessage {
  return {
    identities: [Buffer.from("client-1")],
    header: newHeader("execute_request", "session-1"),
    parent_header: {},
    metadata: {},
    content: { code: "1 + 1", silent: false },
    buffers: [],
  };
}

test("sign is HMAC-SHA256 over the four JSON frames, hex; empty key means no signature", () => {
  const frames = ["{}", '{"a":1}', "{}", "{}"];
  const expected = createHmac("sha256", KEY).update(frames.join("")).digest("hex");
  assert.equal(sign(KEY, frames), expected);
  assert.equal(sign("", frames), "");
});

test("encode lays out identities, delimiter, signature, 4 JSON frames; decode round-trips it", () => {
  const msg = message();
  const frames = encode(msg, KEY);
  assert.equal(Buffer.from(frames[0] as Uint8Array).toString(), "client-1");
  assert.equal(Buffer.from(frames[1] as Uint8Array).toString(), DELIMITER);
  assert.equal(frames.length, 7);
  const r = decode(frames, KEY);
  assert.ok(r.ok);
  assert.deepEqual(r.message.content, msg.content);
  assert.equal(r.message.header.msg_type, "execute_request");
  assert.equal(Buffer.from(r.message.identities[0] as Uint8Array).toString(), "client-1");
});

test("decode rejects a tampered content frame and a message signed with another key", () => {
  const frames = encode(message(), KEY);
  const tampered = [...frames];
  tampered[6] = Buffer.from(JSON.stringify({ code: "process.exit()" }));
  const r1 = decode(tampered, KEY);
  assert.equal(r1.ok, false);
  assert.match(r1.ok ? "" : r1.reason, /signature/);
  const r2 = decode(encode(message(), "another-key"), KEY);
  assert.equal(r2.ok, false);
});

test("decode reports a missing delimiter and too few frames", () => {
  const r1 = decode([Buffer.from("x"), Buffer.from("{}")], KEY);
  assert.equal(r1.ok, false);
  assert.match(r1.ok ? "" : r1.reason, /delimiter/);
  const r2 = decode([Buffer.from(DELIMITER), Buffer.from(""), Buffer.from("{}")], KEY);
  assert.equal(r2.ok, false);
  assert.match(r2.ok ? "" : r2.reason, /expected signature/);
});

test("with an empty key, unsigned messages are accepted", () => {
  const r = decode(encode(message(), ""), "");
  assert.ok(r.ok);
});
