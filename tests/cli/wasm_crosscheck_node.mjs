// wasm_crosscheck_node.mjs — the Node side of wasm_crosscheck.sh in one process (Node starts
// slowly): for each line "GUEST.wasm EXPORT SCHEMA OUT_SCHEMA ROWS.jsonl PREFIX" of the plan file,
// encode the rows with the independent codec (PREFIX.in.bin), run the export in V8 as tidal's host
// would (PREFIX.node.bin), and decode that output (PREFIX.node.jsonl, one row per line, exact ints).
import { readFileSync, writeFileSync } from "node:fs";
import { encode, decode, fromJson, toJson } from "../guests/codec.mjs";
import { runGuest } from "../guests/run_guest.mjs";

const plan = readFileSync(process.argv[2], "utf8").split("\n").filter((l) => l.trim());
for (const line of plan) {
  const [wasm, exp, schema, oschema, rowsFile, prefix] = line.split("\t");
  const rows = readFileSync(rowsFile, "utf8").split("\n").filter((l) => l.trim()).map(fromJson);
  const input = encode(schema, rows);
  writeFileSync(`${prefix}.in.bin`, input);
  const out = runGuest(readFileSync(wasm), exp, Buffer.from(input), { name: wasm });
  writeFileSync(`${prefix}.node.bin`, out);
  const got = decode(oschema, new Uint8Array(out.buffer, out.byteOffset, out.length));
  writeFileSync(`${prefix}.node.jsonl`, got.map((r) => toJson(r) + "\n").join(""));
}
