// Entry of the e2e suite inside VS Code's extension host (the payload's extensionTestsPath points at its bundle,
// tests/e2e/out/suite.js). VS Code calls run(); its settling becomes codeAutomationExit(code) in the runner.
// SEED_E2E_SUITE (from the payload's extensionEnvironment) picks the suites: controller, kernel, restricted.
import Mocha from "mocha";
import { defineControllerTests } from "./controller.test";
import { defineForeignNotebookTests } from "./foreign-notebook.test";
import { defineKernelTests } from "./kernel.test";
import { defineRestrictedTests } from "./restricted.test";

const SUITES: Record<string, () => void> = {
  controller: () => {
    defineControllerTests();
    defineForeignNotebookTests();
  },
  kernel: defineKernelTests,
  restricted: defineRestrictedTests,
};

export function run(): Promise<void> {
  const wanted = (process.env.SEED_E2E_SUITE ?? "controller").split(",").filter(Boolean);
  const unknown = wanted.filter((s) => !SUITES[s]);
  if (unknown.length > 0)
    return Promise.reject(
      new Error(`unknown e2e suite(s) ${unknown.join(", ")}; expected ${Object.keys(SUITES).join(", ")}`),
    );
  const mocha = new Mocha({ ui: "tdd", timeout: 120_000, color: false, reporter: "spec" });
  if (process.env.SEED_E2E_GREP) mocha.grep(process.env.SEED_E2E_GREP); // while developing: run matching tests only
  // Bundled suites: expose mocha's tdd globals (suite, test, ...) the way `mocha.addFile` would, then define tests.
  mocha.suite.emit("pre-require", globalThis, "seed-e2e", mocha);
  for (const name of wanted) SUITES[name]();
  return new Promise((resolve, reject) => {
    const runner = mocha.run((failures) => {
      // The runner (tests/e2e/run.mjs) reads this line to add up "N passed, N failed".
      const { passes = 0, failures: failed = 0 } = runner.stats ?? {};
      console.log(`SEED_E2E_RESULT ${JSON.stringify({ suites: wanted, passed: passes, failed })}`);
      if (failures > 0) reject(new Error(`${failures} e2e test(s) failed`));
      else resolve();
    });
  });
}
