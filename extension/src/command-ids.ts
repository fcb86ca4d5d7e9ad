// Command ids of the extension, in one vscode-free place: commands.ts registers them, package.json contributes
// them (tests/unit/extension-contributes.test.ts checks that both agree), tests/e2e runs them.
export const COMMANDS = {
  restart: "seed.restartKernel",
  interrupt: "seed.interruptKernel",
  openTour: "seed.openTour",
  selectModel: "seed.selectModelFolder",
  showActions: "seed.showKernelActions",
  showLog: "seed.showLog",
} as const;
