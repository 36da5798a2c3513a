// fuzz_guests.mjs — differential fuzzing of the example guests with corrupted input batches.
//   node fuzz_guests.mjs GUEST_DIR [ITERATIONS] [SEED] [OP=MODULE ...]
// (OP=MODULE args fuzz only those operators, e.g. tally=tally_rs runs GUEST_DIR/tally_rs.wasm's
// export tally; by default the four examples.)
// Takes valid (string, i64) batches, corrupts them (header words, bounds, lengths, bytes,
// truncation), and runs each example operator on each. Then:
//   - a trap (out-of-bounds access, unreachable, ...) is always a failure: the SDK must validate
//     before indexing and answer with an error instead;
//   - if the independent reader (codec.mjs) accepts the corrupted batch, the guest must succeed
//     and its output must equal, byte for byte, the output computed here in JavaScript from the
//     decoded slices (so a validation gap cannot hide behind an in-bounds garbage read);
//   - if the reader accepts it only when padding bytes and trailing bytes are not checked (the
//     SDK checks neither: they are never indexed), the guest may refuse it, and if it succeeds
//     its output must equal the model's;
//   - otherwise the guest must refuse it with an error message.
import { readFileSync } from "node:fs";
import { encode, unframe, frame, decode } from "./codec.mjs";
import { loadGuest, GuestError } from "./run_guest.mjs";

const [dir, iters = "300", seedArg = "1", ...only] = process.argv.slice(2);
let seed = Number(seedArg) >>> 0 || 1;
const rnd = (n) => { seed ^= seed << 13; seed >>>= 0; seed ^= seed >>> 17; seed ^= seed << 5; seed >>>= 0; return seed % n; };

const u64 = (b, i) => b.readBigUInt64LE(8 * i);
const words64 = (xs) => { const b = Buffer.alloc(8 * xs.length); xs.forEach((x, i) => b.writeBigUInt64LE(BigInt.asUintN(64, BigInt(x)), 8 * i)); return b; };
const isSpace = (c) => c === 32 || (c >= 9 && c <= 13);

// Expected outputs from decoded input slices [bounds, bytes, diffs] (Buffers), in JavaScript.
function rowsOf(sl) {
  const n = sl[0].length / 8, out = [];
  let prev = 0;
  for (let i = 0; i < n; i++) { const e = Number(u64(sl[0], i)); out.push([sl[1].subarray(prev, e), sl[2].readBigInt64LE(8 * i)]); prev = e; }
  return out;
}
const STOP = new Set("a an and are as at be but by for if in into is it no not of on or such that the their then there these they this to was will with".split(" "));
const expected = {
  // lowercase works in place and returns its input buffer: the output is the input batch itself
  // (header, padding and trailing bytes included) with A-Z lowercased in the bytes slice only.
  lowercase: (sl, raw) => {
    const out = Buffer.from(raw), start = Number((u64(raw, 1) + 7n) & ~7n), end = Number(u64(raw, 2));
    for (let i = start; i < end; i++) if (out[i] >= 65 && out[i] <= 90) out[i] += 32;
    return out;
  },
  tally: (sl) => frame([words64(rowsOf(sl).map(([s, d]) => BigInt(s.length) + d))]),
  stopwords: (sl) => {
    const bits = rowsOf(sl).map(([s]) => !STOP.has(s.toString("latin1")) || s.some((c) => c > 127));
    return Buffer.from(encode("bool", bits));
  },
  split_words: (sl) => {
    const bounds = [], diffs = [], bytes = [];
    for (const [s, d] of rowsOf(sl)) {
      let j = 0;
      while (j < s.length) {
        while (j < s.length && isSpace(s[j])) j++;
        const st = j;
        while (j < s.length && !isSpace(s[j])) bytes.push(s[j++]);
        if (j > st) { bounds.push(bytes.length); diffs.push(d); }
      }
    }
    return frame([words64(bounds), Buffer.from(bytes), words64(diffs)]);
  },
};

function corrupt(buf) {
  const b = Buffer.from(buf);
  const nw = b.length / 8;
  switch (rnd(7)) {
    case 0: { const k = rnd(4); b.writeBigUInt64LE(BigInt(rnd(4) === 0 ? 2 ** 32 + rnd(64) : rnd(b.length + 64)), 8 * k); return b; } // header word
    case 1: { const k = rnd(4); b.writeBigUInt64LE(u64(b, k) + BigInt(rnd(17)) - 8n, 8 * k); return b; } // nudge header word
    case 2: { if (nw > 4) { const i = 4 + rnd(nw - 4); b.writeBigUInt64LE(BigInt(rnd(4) ? rnd(64) : 2 ** 40), 8 * i); } return b; } // a body word (bounds, diffs)
    case 3: { for (let i = 0; i < 1 + rnd(4); i++) b[rnd(b.length)] = rnd(256); return b; } // random bytes
    case 4: return b.subarray(0, 8 * rnd(nw + 1)); // truncate at a word
    case 5: return Buffer.concat([b, Buffer.alloc(8 * (1 + rnd(3)))]); // trailing words
    default: { const i = rnd(b.length); return b.subarray(0, i - (i % 8) + 8 * rnd(2)); }
  }
}

const which = only.length ? only.map((a) => a.split("=")) : Object.keys(expected).map((op) => [op, op]);
const guests = which.map(([name, file]) => [name, loadGuest(readFileSync(`${dir}/${file}.wasm`), { name: file })]);
const lines = ["The quick  brown\tFOX\r\n", "", "é ü  naïve", "a", "  lead", "trail  ", "THE THE the", "x".repeat(70)];
let failures = 0, accepted = 0, refused = 0;
for (let it = 0; it < Number(iters); it++) {
  const rows = Array.from({ length: rnd(6) }, () => [lines[rnd(lines.length)], BigInt(rnd(11)) - 5n]);
  const bad = corrupt(Buffer.from(encode("(string, i64)", rows)));
  const read = (opts) => {
    try {
      decode("(string, i64)", new Uint8Array(bad), opts);
      return unframe(new Uint8Array(bad), 3, opts).map((s) => Buffer.from(s));
    } catch { return null; }
  };
  const strict = read({}), lenient = read({ padding: false, trailing: false });
  for (const [name, g] of guests) {
    let out = null, err = null;
    try { out = g.call(name, bad); } catch (e) { err = e; }
    const what = `${name} on ${bad.toString("hex").slice(0, 160)}`;
    if (err && !(err instanceof GuestError)) { failures++; console.error(`FAIL: ${what}: ${err.message}`); continue; }
    if (err && /trap/.test(err.message)) { failures++; console.error(`FAIL: ${what}: ${err.message}`); continue; }
    if (strict) {
      if (err) { failures++; console.error(`FAIL: ${what}: valid input refused: ${err.message}`); continue; }
      const want = expected[name](strict, bad);
      if (!Buffer.from(want).equals(out)) { failures++; console.error(`FAIL: ${what}: output differs from the JavaScript model`); }
      accepted++;
    } else if (lenient) {
      if (out && !Buffer.from(expected[name](lenient, bad)).equals(out)) { failures++; console.error(`FAIL: ${what}: output differs from the JavaScript model`); }
      if (!out) refused++;
    } else if (out) {
      failures++;
      console.error(`FAIL: ${what}: malformed input accepted (${out.length} output bytes)`);
    } else {
      refused++;
    }
  }
}
console.error(`fuzz_guests: ${iters} corrupted batches x ${guests.length} guests: ${accepted} valid and equal to the model, ${refused} refused, ${failures} failures`);
process.exit(failures ? 1 : 0);
