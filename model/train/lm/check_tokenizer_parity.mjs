// Checks that @huggingface/tokenizers (the runtime's tokenizer) gives exactly the Python reference ids.
// Usage: node model/train/lm/check_tokenizer_parity.mjs <package dir> <cases.json>
// cases.json: {"cases": [{"text", "ids", "ids_no_bos"}]} (fixtures/lm_tokenizer.json has this form).
// Prints one line per mismatch and a summary; exit code 1 on any mismatch.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Tokenizer } from "@huggingface/tokenizers";

const [dir, casesPath] = process.argv.slice(2);
if (!dir || !casesPath) throw new Error("usage: node check_tokenizer_parity.mjs <package dir> <cases.json>");
const tok = new Tokenizer(
  JSON.parse(readFileSync(join(dir, "tokenizer.json"), "utf8")),
  JSON.parse(readFileSync(join(dir, "tokenizer_config.json"), "utf8")),
);
const { cases } = JSON.parse(readFileSync(casesPath, "utf8"));
const same = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);
let bad = 0;
for (const c of cases) {
  const withBos = tok.encode(c.text).ids;
  const noBos = tok.encode(c.text, { add_special_tokens: false }).ids;
  if (!same(withBos, c.ids) || !same(noBos, c.ids_no_bos)) {
    bad++;
    if (bad <= 20)
      console.log(`MISMATCH ${JSON.stringify(c.text)}: js ${JSON.stringify(noBos)} py ${JSON.stringify(c.ids_no_bos)}`);
  }
}
console.log(`${cases.length - bad}/${cases.length} strings give identical ids`);
process.exit(bad ? 1 : 0);
