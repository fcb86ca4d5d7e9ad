// The Jupyter wire format (messaging protocol 5.3): a message travels as ZeroMQ frames
//   [identity..., "<IDS|MSG>", signature, header, parent_header, metadata, content, buffer...]
// signed with HMAC-SHA256 over the four JSON frames. Pure functions (no sockets), so they are unit-tested directly.
// An empty key means "no signing" (the spec's convention): the signature frame is empty and not checked.

import { createHmac, randomUUID, timingSafeEqual } from "node:crypto";

export const DELIMITER = "<IDS|MSG>";
export const PROTOCOL_VERSION = "5.3";

export interface MessageHeader {
  msg_id: string;
  msg_type: string;
  session: string;
  username: string;
  date: string;
  version: string;
}

/** A decoded message. `identities` are the ROUTER routing frames to send the reply back to. */
export interface JupyterMessage {
  identities: Uint8Array[];
  header: MessageHeader;
  /** The request's header for replies and side effects; {} for unprompted messages. */
  parent_header: MessageHeader | Record<string, never>;
  metadata: Record<string, unknown>;
  content: Record<string, unknown>;
  buffers: Uint8Array[];
}

/** HMAC-SHA256 hex signature of the four JSON frames; "" when the key is empty. */
export function sign(key: string, frames: readonly (string | Uint8Array)[]): string {
  if (key === "") return "";
  const hmac = createHmac("sha256", key);
  for (const f of frames) hmac.update(f);
  return hmac.digest("hex");
}

/** Serialises `msg` into ZeroMQ frames, signing with `key`. */
export function encode(msg: JupyterMessage, key: string): Uint8Array[] {
  const json = [msg.header, msg.parent_header, msg.metadata, msg.content].map((part) =>
    Buffer.from(JSON.stringify(part), "utf8"),
  );
  return [...msg.identities, Buffer.from(DELIMITER), Buffer.from(sign(key, json)), ...json, ...msg.buffers];
}

export type DecodeResult = { ok: true; message: JupyterMessage } | { ok: false; reason: string };

function parseObject(frame: Uint8Array, what: string): Record<string, unknown> {
  const value: unknown = JSON.parse(Buffer.from(frame).toString("utf8"));
  if (typeof value !== "object" || value === null || Array.isArray(value))
    throw new Error(`${what} is not a JSON object`);
  return value as Record<string, unknown>;
}

/** Parses and verifies frames received on a ROUTER socket; a bad signature or malformed frame gives a reason. */
export function decode(frames: readonly Uint8Array[], key: string): DecodeResult {
  const at = frames.findIndex((f) => Buffer.from(f).toString("latin1") === DELIMITER);
  if (at < 0) return { ok: false, reason: `no "${DELIMITER}" delimiter frame among ${frames.length} frames` };
  if (frames.length < at + 6)
    return {
      ok: false,
      reason: `expected signature + 4 JSON frames after the delimiter, got ${frames.length - at - 1}`,
    };
  const signature = Buffer.from(frames[at + 1] as Uint8Array).toString("latin1");
  const json = frames.slice(at + 2, at + 6);
  if (key !== "") {
    const expected = Buffer.from(sign(key, json), "latin1");
    const given = Buffer.from(signature, "latin1");
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      return { ok: false, reason: "bad HMAC-SHA256 signature" };
    }
  }
  try {
    const [header, parent, metadata, content] = json.map((f, i) =>
      parseObject(f, ["header", "parent_header", "metadata", "content"][i] ?? "frame"),
    );
    if (typeof header?.msg_type !== "string" || typeof header.msg_id !== "string") {
      return { ok: false, reason: "the header has no msg_type/msg_id strings" };
    }
    return {
      ok: true,
      message: {
        identities: frames.slice(0, at).map((f) => Uint8Array.from(f)),
        header: header as unknown as MessageHeader,
        parent_header: (parent ?? {}) as JupyterMessage["parent_header"],
        metadata: metadata ?? {},
        content: content ?? {},
        buffers: frames.slice(at + 6).map((f) => Uint8Array.from(f)),
      },
    };
  } catch (e) {
    return { ok: false, reason: `malformed JSON frame: ${e instanceof Error ? e.message : String(e)}` };
  }
}

/** A new header for a message this kernel sends. */
export function newHeader(msgType: string, session: string): MessageHeader {
  return {
    msg_id: randomUUID(),
    msg_type: msgType,
    session,
    username: "kernel",
    date: new Date().toISOString(),
    version: PROTOCOL_VERSION,
  };
}
