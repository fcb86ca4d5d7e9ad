// The question `seed.restartKernel` asks before it restarts a kernel (as VS Code's Jupyter does), unless the
// setting seed.confirmRestart is false. The prompt is a parameter (a modal warning in extension.ts), so that the
// decision is unit-tested under plain Node with a scripted answer. No vscode import.

export const RESTART_QUESTION = "Restart the kernel? All variables will be lost.";
export const RESTART_ANSWER = "Restart";

/** Shows `question` with a button labelled `answer` (and Cancel); resolves with the button picked, undefined if none. */
export type RestartPrompt = (question: string, answer: string) => PromiseLike<string | undefined>;

/** True when the restart should go ahead: no confirmation wanted, or the user picked Restart. */
export async function confirmRestart(confirmSetting: unknown, prompt: RestartPrompt): Promise<boolean> {
  if (confirmSetting === false) return true;
  return (await prompt(RESTART_QUESTION, RESTART_ANSWER)) === RESTART_ANSWER;
}
