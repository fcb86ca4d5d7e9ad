// Conversation: a multi-turn chat that keeps its turns. Each say() sends every earlier turn plus the new message
// through the model's chat template, streams the answer like seed.chat, and appends both turns.

import type { MimeBundle } from "../protocol/mime";
import type { ChatInput, Conversation, GenerateOptions, Generation, SeedImage, Tokens } from "./seed";
import type { ChatTurn } from "./model-port";
import { generationBundle } from "../display/generation-view";
import type { GenerationPartInput } from "../display/generation-view";
import { TokensImpl } from "./tokens";

/** A turn as the cell sees it, and as the runtime gets it. */
export interface StoredTurn {
  role: "user" | "assistant";
  parts: (string | SeedImage | Tokens)[];
  runtime: ChatTurn;
}

/** What the conversation needs from the API: send turns, get the answer and its runtime content. */
export type SendTurns = (
  history: readonly ChatTurn[],
  message: ChatInput,
  options: GenerateOptions | undefined,
) => Promise<{ user: StoredTurn; answer: Generation; assistantContent: string }>;

export class ConversationImpl implements Conversation {
  readonly #turns: StoredTurn[] = [];
  readonly #send: SendTurns;
  readonly #sizes: () => { numTokens: number; codebookSize: number };

  constructor(send: SendTurns, sizes: () => { numTokens: number; codebookSize: number }, system?: string) {
    this.#send = send;
    this.#sizes = sizes;
    if (system) this.#turns.push({ role: "user", parts: [system], runtime: { role: "user", content: system } });
  }

  get turns(): readonly { readonly role: "user" | "assistant"; readonly parts: readonly (string | SeedImage | Tokens)[] }[] {
    return this.#turns.map((t) => Object.freeze({ role: t.role, parts: Object.freeze([...t.parts]) }));
  }

  async say(message: ChatInput, options?: GenerateOptions): Promise<Generation> {
    const { user, answer, assistantContent } = await this.#send(this.#turns.map((t) => t.runtime), message, options);
    this.#turns.push(user, { role: "assistant", parts: [...answer.parts], runtime: { role: "assistant", content: assistantContent } });
    return answer;
  }

  reset(): void {
    this.#turns.length = 0;
  }

  toMimeBundle(): MimeBundle {
    const parts: GenerationPartInput[] = [];
    for (const t of this.#turns) {
      parts.push({ kind: "text", text: `${parts.length ? "\n" : ""}${t.role === "user" ? "You" : "SEED"}: ` });
      for (const p of t.parts) {
        if (typeof p === "string") parts.push({ kind: "text", text: p });
        else if (p instanceof TokensImpl) parts.push({ kind: "tokens", ids: p.ids, complete: true });
        else parts.push({ kind: "image", image: { png: (p as SeedImage).png, label: (p as SeedImage).label } });
      }
    }
    return generationBundle({ parts, tokenCount: 0, status: "stop-token", ...this.#sizes(), prompt: `conversation, ${this.#turns.length} turns` });
  }

  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return `Conversation(${this.#turns.length} turns)`;
  }
}
