// bench_guests.mjs — throughput of the example guests in Node's V8 (not a test; not run by ctest).
//   node bench_guests.mjs BUILD_DIR/examples/guests [MiB]
// Builds word-count-like (line, diff) batches of ~1 MiB (the demo's batch size), then for each
// guest times tidal_alloc + writing the input + the call + copying the output out, and prints
// MB/s of input and the ratio to a baseline measured in the same run: copying the same bytes into
// the guest's memory and back out (the least any host-side call costs).
import { readFileSync } from "node:fs";
import { encode } from "./codec.mjs";
import { loadGuest } from "./run_guest.mjs";

const dir = process.argv[2];
const mib = Number(process.argv[3] ?? 32);
let seed = 1;
const rnd = (n) => (seed = (seed * 1103515245 + 12345) % 2147483648) % n;
const vocab = Array.from({ length: 5000 }, (_, i) => (i % 7 === 0 ? "The" : "") + "w" + i.toString(36) + (i % 3 ? "ing" : ""));
const batches = [];
let total = 0;
while (total < mib * 1048576) {
  const rows = [];
  let bytes = 0;
  while (bytes < 1048576) {
    const words = Array.from({ length: 1 + rnd(12) }, () => vocab[rnd(vocab.length)]);
    const line = words.join(rnd(5) ? " " : "\t");
    rows.push([line, 1]);
    bytes += line.length + 16;
  }
  const b = encode("(string, i64)", rows);
  batches.push(b);
  total += b.length;
}
// Words batches for the operators that sit after split_words.
const g0 = loadGuest(readFileSync(`${dir}/split_words.wasm`));
const wordBatches = batches.map((b) => g0.call("split_words", b));
const wordTotal = wordBatches.reduce((a, b) => a + b.length, 0);

function time(fn, reps = 3) {
  let best = Infinity;
  for (let r = 0; r < reps; r++) {
    const t0 = process.hrtime.bigint();
    fn();
    best = Math.min(best, Number(process.hrtime.bigint() - t0) / 1e9);
  }
  return best;
}
const scratch = new Uint8Array(Math.max(...batches.map((b) => b.length), ...wordBatches.map((b) => b.length)));
function baseline(input) { // copy in, copy out: what any call of the same size costs at least
  return time(() => {
    for (const b of input) {
      scratch.set(b, 0);
      Buffer.from(scratch.subarray(0, b.length));
    }
  });
}
const baseLines = baseline(batches), baseWords = baseline(wordBatches);
console.log(`input: ${batches.length} line batches, ${(total / 1048576).toFixed(1)} MiB; ${(wordTotal / 1048576).toFixed(1)} MiB after split_words`);
console.log(`baseline (copy in + out): lines ${(total / baseLines / 1e6).toFixed(0)} MB/s, words ${(wordTotal / baseWords / 1e6).toFixed(0)} MB/s`);
for (const [mod, exp, input, base, bytes] of [
  ["split_words", "split_words", batches, baseLines, total],
  ["tally", "tally", batches, baseLines, total],
  ["lowercase", "lowercase", wordBatches, baseWords, wordTotal],
  ["stopwords", "stopwords", wordBatches, baseWords, wordTotal],
  ["tally_rs", "tally", batches, baseLines, total],
]) {
  let inst;
  try { inst = loadGuest(readFileSync(`${dir}/${mod}.wasm`)); } catch { continue; }
  const t = time(() => { for (const b of input) inst.call(exp, b); });
  console.log(`${(mod + "." + exp).padEnd(24)} ${(bytes / t / 1e6).toFixed(0).padStart(6)} MB/s  ${(t / base).toFixed(2)}x baseline`);
}
