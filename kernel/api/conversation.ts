// Conversation: a multi-turn chat that keeps its turns. Each say() sends the earlier turns plus the new message
// through the model's chat template, streams the answer like seed.chat, and appends both turns. When the turns no
// longer fit the model's context, the oldest rounds stop being sent (SEED's demo keeps its last rounds likewise);
// they stay in `turns` and in the transcript, and `forgotten` counts them.

import type { GenerationPartInput } from "../display/generation-view";
import { generationBundle } from "../display/generation-view";
import type { MimeBundle } from "../protocol/mime";
import type { ChatTurn } from "./model-port";
import type { ChatInput, Conversation, GenerateOptions, Generation, SeedImage, Tokens } from "./seed";
import { TokensImpl } from "./tokens";

/** A turn as the cell sees it, and as the runtime gets it. */
export interface StoredTurn {
  role: "system" | "user" | "assistant";
  parts: (string | SeedImage | Tokens)[];
  runtime: ChatTurn;
  /** For an answer: how many tokens the model generated for it. */
  generated?: number;
}

/** What the conversation needs from the API: send turns, get the answer and its runtime content. */
export type SendTurns = (
  history: readonly ChatTurn[],
  message: ChatInput,
  options: GenerateOptions | undefined,
  /** Leading history turns that must stay (the system message). */
  keepFirst: number,
) => Promise<{
  user: StoredTurn;
  answer: Generation;
  assistantContent: string /** history turns left out */;
  dropped: number;
}>;

export class ConversationImpl implements Conversation {
  readonly #turns: StoredTurn[] = [];
  readonly #send: SendTurns;
  readonly #sizes: () => { numTokens: number; codebookSize: number };

  readonly #system: number;
  /** Index of the first turn after the system message that is still sent to the model. */
  #contextStart: number;

  constructor(send: SendTurns, sizes: () => { numTokens: number; codebookSize: number }, system?: string) {
    this.#send = send;
    this.#sizes = sizes;
    if (system) this.#turns.push({ role: "system", parts: [system], runtime: { role: "system", content: system } });
    this.#system = this.#contextStart = this.#turns.length;
  }

  /** How many of the earliest turns (after a system message) the model no longer sees. */
  get forgotten(): number {
    return this.#contextStart - this.#system;
  }

  get turns(): readonly {
    readonly role: "system" | "user" | "assistant";
    readonly parts: readonly (string | SeedImage | Tokens)[];
  }[] {
    return this.#turns.map((t) => Object.freeze({ role: t.role, parts: Object.freeze([...t.parts]) }));
  }

  async say(message: ChatInput, options?: GenerateOptions): Promise<Generation> {
    const history = [...this.#turns.slice(0, this.#system), ...this.#turns.slice(this.#contextStart)].map(
      (t) => t.runtime,
    );
    const { user, answer, assistantContent, dropped } = await this.#send(history, message, options, this.#system);
    this.#contextStart += dropped;
    this.#turns.push(user, {
      role: "assistant",
      parts: [...answer.parts],
      runtime: { role: "assistant", content: assistantContent },
      generated: answer.tokens.length,
    });
    return answer;
  }

  reset(): void {
    this.#turns.length = this.#system; // the system message stays: it was given when the conversation began
    this.#contextStart = this.#system;
  }

  toMimeBundle(): MimeBundle {
    const parts: GenerationPartInput[] = [];
    for (const t of this.#turns) {
      parts.push({
        kind: "text",
        text: `${parts.length ? "\n" : ""}${t.role === "user" ? "You" : t.role === "system" ? "System" : "SEED"}: `,
      });
      for (const p of t.parts) {
        if (typeof p === "string") parts.push({ kind: "text", text: p });
        else if (p instanceof TokensImpl) parts.push({ kind: "tokens", ids: p.ids, complete: true });
        else parts.push({ kind: "image", image: { png: (p as SeedImage).png, label: (p as SeedImage).label } });
      }
    }
    const forgotten = this.forgotten ? `; the first ${this.forgotten} no longer fit the model's context` : "";
    return generationBundle({
      parts,
      // The transcript's count: the tokens generated for the answers it shows.
      tokenCount: this.#turns.reduce((n, t) => n + (t.generated ?? 0), 0),
      status: "stop-token",
      ...this.#sizes(),
      prompt: `conversation, ${this.#turns.length} turns${forgotten}`,
    });
  }

  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return `Conversation(${this.#turns.length} turns${this.forgotten ? `, ${this.forgotten} out of context` : ""})`;
  }
}
