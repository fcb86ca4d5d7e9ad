// Reads a Jupyter connection file (written by the client that launches the kernel) and checks every field we use.

import { readFileSync } from "node:fs";

export interface ConnectionInfo {
  transport: "tcp" | "ipc";
  ip: string;
  key: string;
  signature_scheme: string;
  shell_port: number;
  control_port: number;
  stdin_port: number;
  iopub_port: number;
  hb_port: number;
}

export type Channel = "shell" | "control" | "stdin" | "iopub" | "hb";

/** Parses connection-file JSON; throws naming the missing or wrong field. */
export function parseConnection(json: string, from = "connection file"): ConnectionInfo {
  const raw: unknown = JSON.parse(json);
  if (typeof raw !== "object" || raw === null) throw new Error(`${from}: expected a JSON object`);
  const r = raw as Record<string, unknown>;
  const str = (k: string, dflt?: string): string => {
    const v = r[k] ?? dflt;
    if (typeof v !== "string") throw new Error(`${from}: "${k}" must be a string, got ${JSON.stringify(r[k])}`);
    return v;
  };
  const port = (k: string): number => {
    const v = r[k];
    if (typeof v !== "number" || !Number.isInteger(v) || v < 0 || v > 65535)
      throw new Error(`${from}: "${k}" must be a port number, got ${JSON.stringify(v)}`);
    return v;
  };
  const transport = str("transport", "tcp");
  if (transport !== "tcp" && transport !== "ipc")
    throw new Error(`${from}: transport must be "tcp" or "ipc", got "${transport}"`);
  const scheme = str("signature_scheme", "hmac-sha256");
  if (scheme !== "hmac-sha256")
    throw new Error(`${from}: only signature_scheme "hmac-sha256" is supported, got "${scheme}"`);
  return {
    transport,
    ip: str("ip", "127.0.0.1"),
    key: str("key", ""),
    signature_scheme: scheme,
    shell_port: port("shell_port"),
    control_port: port("control_port"),
    stdin_port: port("stdin_port"),
    iopub_port: port("iopub_port"),
    hb_port: port("hb_port"),
  };
}

export function readConnectionFile(path: string): ConnectionInfo {
  return parseConnection(readFileSync(path, "utf8"), path);
}

/** The ZeroMQ address of one channel: tcp://ip:port, or ipc://ip-port for the ipc transport (Jupyter's convention). */
export function channelAddress(info: ConnectionInfo, channel: Channel): string {
  const port = info[`${channel}_port`];
  return info.transport === "tcp" ? `tcp://${info.ip}:${port}` : `ipc://${info.ip}-${port}`;
}
