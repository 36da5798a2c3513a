// check_guest.mjs — test cases of guests, run in one Node process.
//   node check_guest.mjs MODULE.wasm EXPORT IN_SCHEMA OUT_SCHEMA INPUT.jsonl EXPECTED.jsonl [--save PREFIX]
//   node check_guest.mjs --cases CASES.tsv [--save-dir DIR]
// A case encodes INPUT with codec.mjs, runs EXPORT 3 times on one instance (run_guest.mjs; the
// outputs must be identical: arena reuse), decodes the output as OUT_SCHEMA and compares it with
// EXPECTED row by row. CASES.tsv has one case a line: NAME, MODULE, EXPORT, IN_SCHEMA, OUT_SCHEMA,
// INPUT, EXPECTED separated by tabs; prints "ok: NAME" or "FAIL: NAME: why" for each. --save /
// --save-dir write PREFIX.in.bin and PREFIX.out.bin (DIR/NAME.*) so another host's output can be
// compared byte for byte. Exit 0 when every case passed, 1 otherwise.
import { readFileSync, writeFileSync } from "node:fs";
import { encode, decode, fromJson, toJson } from "./codec.mjs";
import { runGuest } from "./run_guest.mjs";

const lines = (p) => readFileSync(p, "utf8").split("\n").filter((l) => l.trim());
const modules = new Map();

function runCase(wasm, exp, inSchema, outSchema, inputPath, expectedPath, save) {
  if (!modules.has(wasm)) modules.set(wasm, readFileSync(wasm));
  const input = encode(inSchema, lines(inputPath).map(fromJson));
  const out = runGuest(modules.get(wasm), exp, input, { repeat: 3, name: wasm });
  if (save) {
    writeFileSync(`${save}.in.bin`, input);
    writeFileSync(`${save}.out.bin`, out);
  }
  const got = decode(outSchema, new Uint8Array(out.buffer, out.byteOffset, out.length)).map(toJson);
  const want = lines(expectedPath).map((l) => toJson(fromJson(l)));
  if (got.length !== want.length) throw new Error(`${got.length} rows, expected ${want.length}`);
  const i = got.findIndex((g, k) => g !== want[k]);
  if (i >= 0) throw new Error(`row ${i}: got ${got[i].slice(0, 200)} expected ${want[i].slice(0, 200)}`);
}

const args = process.argv.slice(2);
let bad = 0;
if (args[0] === "--cases") {
  const dir = args[2] === "--save-dir" ? args[3] : null;
  for (const line of lines(args[1])) {
    const [name, ...c] = line.split("\t");
    const t0 = Date.now();
    try {
      runCase(...c, dir ? `${dir}/${name}` : null);
      console.log(`ok: ${name} (${Date.now() - t0} ms)`);
    } catch (e) {
      bad++;
      console.log(`FAIL: ${name}: ${e.message}`);
    }
  }
} else {
  try {
    runCase(...args.slice(0, 6), args[6] === "--save" ? args[7] : null);
  } catch (e) {
    bad++;
    console.error(e.message);
  }
}
process.exit(bad ? 1 : 0);
