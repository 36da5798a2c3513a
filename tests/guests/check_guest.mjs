// check_guest.mjs — one test case of a guest in one Node process (the shell test runs many):
//   node check_guest.mjs MODULE.wasm EXPORT IN_SCHEMA OUT_SCHEMA INPUT.jsonl EXPECTED.jsonl \
//        [--save DIR/NAME]
// Encodes INPUT with codec.mjs, runs EXPORT 3 times on one instance (run_guest.mjs; outputs must
// be identical: arena reuse), decodes the output as OUT_SCHEMA and compares it with EXPECTED
// line by line. --save writes NAME.in.bin and NAME.out.bin (for a comparison with another host).
// Exit 0 when equal, 1 with a message otherwise.
import { readFileSync, writeFileSync } from "node:fs";
import { encode, decode, fromJson, toJson } from "./codec.mjs";
import { runGuest } from "./run_guest.mjs";

const [wasm, exp, inSchema, outSchema, inputPath, expectedPath, ...rest] = process.argv.slice(2);
const save = rest[0] === "--save" ? rest[1] : null;
const lines = (p) => readFileSync(p, "utf8").split("\n").filter((l) => l.trim());
try {
  const input = encode(inSchema, lines(inputPath).map(fromJson));
  const out = runGuest(readFileSync(wasm), exp, input, { repeat: 3, name: wasm });
  if (save) {
    writeFileSync(`${save}.in.bin`, input);
    writeFileSync(`${save}.out.bin`, out);
  }
  const got = decode(outSchema, new Uint8Array(out.buffer, out.byteOffset, out.length)).map(toJson);
  const want = lines(expectedPath).map((l) => toJson(fromJson(l)));
  if (got.length !== want.length) throw new Error(`${got.length} rows, expected ${want.length}`);
  const i = got.findIndex((g, k) => g !== want[k]);
  if (i >= 0) throw new Error(`row ${i}: got ${got[i].slice(0, 200)} expected ${want[i].slice(0, 200)}`);
} catch (e) {
  console.error(e.message);
  process.exit(1);
}
