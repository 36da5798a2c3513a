// sdk_probe_test.mjs — checks the guest SDK (guest/tidal_guest.h) through the test guest
// sdk_probe.wasm: init + persistent memory, state across calls, arena growth and reuse (memory
// must stop growing), persistent blocks interleaved with the arena, the builder's copy path, bool
// columns, error messages, malformed input, and the SDK's row/slice counts on the spec's vectors.
//   node sdk_probe_test.mjs BUILD_DIR/tests/guests/sdk_probe.wasm   (TIDAL_SHARED_DIR for vectors)
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { encode, decode, fromJson, frame } from "./codec.mjs";
import { loadGuest, GuestError } from "./run_guest.mjs";

const wasm = readFileSync(process.argv[2]);
let failures = 0, checks = 0;
function check(cond, what) {
  checks++;
  if (!cond) { failures++; console.error(`FAIL: ${what}`); }
}
function throwsGuest(fn, pattern, what) {
  try { fn(); } catch (e) {
    check(e instanceof GuestError && pattern.test(e.message), `${what}: message "${e.message}" !~ ${pattern}`);
    return;
  }
  check(false, `${what}: no error`);
}
process.on("uncaughtException", (e) => {
  console.error(`FAIL: unexpected error: ${e.message}`);
  process.exit(1);
});
const u64s = (buf) => decode("u64", buf).map(Number);
const enc64 = (xs) => encode("u64", xs.map(BigInt));

// ---- init hook, persistent copy of the config, state across calls; tidal.log ----
const logged = [];
const g = loadGuest(wasm, { config: "héllo wörld", onLog: (t) => logged.push(t) });
check(WebAssembly.Module.imports(new WebAssembly.Module(wasm)).map((i) => `${i.module}.${i.name}`).join() === "tidal.log", "sdk_probe imports exactly tidal.log");
check(u64s(g.call("log_rows", enc64([5, 6]))).join() === "5,6" && logged.join() === "log_rows: hello from the guest", `tidal.log: ${JSON.stringify(logged)}`);
check(JSON.stringify(decode("string", g.call("get_config", enc64([1, 2, 3])))) === JSON.stringify(["héllo wörld", "héllo wörld", "héllo wörld"]), "get_config");
check(u64s(g.call("running_sum", enc64([1, 2, 3]))).join() === "1,3,6", "running_sum first call");
check(u64s(g.call("running_sum", enc64([10]))).join() === "16", "running_sum keeps state");
check(u64s(g.call("running_sum", enc64([]))).join() === "", "running_sum on an empty batch");
throwsGuest(() => loadGuest(wasm, { config: "refuse!" }), /init refused as asked/, "init failure");

// ---- arena growth: outputs correct, memory stops growing for a steady batch size ----
function countUp(inst, n, fill) {
  const out = u64s(inst.call("count_up", enc64([n, fill])));
  check(out.length === n && (n === 0 || (out[0] === fill && out[n - 1] === fill + n - 1 && out[n >> 1] === fill + (n >> 1))), `count_up(${n})`);
}
for (const n of [0, 1, 7, 1000, 50000]) countUp(g, n, 5);
countUp(g, 100000, 1);
const steady = g.memoryBytes();
for (let i = 0; i < 4; i++) countUp(g, 100000, i);
check(g.memoryBytes() === steady, `memory grew on repeated same-size calls: ${steady} -> ${g.memoryBytes()}`);

// ---- persistent blocks interleaved with arena growth stay intact and never overlap outputs ----
const blocks = [];
function persist(inst, size) {
  const r = inst.callRaw("persist_block", enc64([size]));
  const [addr, sz, intact] = u64s(r.out);
  check(sz === size && intact === 1 && addr % 8 === 0, `persist_block(${size}) intact`);
  blocks.push([addr, size]);
  return r;
}
persist(g, 100000);
countUp(g, 200000, 3); // needs a new arena chunk: the persistent block sits at the end of memory
persist(g, 16);
persist(g, 200000);
for (let i = 0; i < 3; i++) {
  const r = g.callRaw("count_up", enc64([200000, 9]));
  check(u64s(r.out).length === 200000, "count_up after persistent blocks");
  for (const [a, s] of blocks) check(a + s <= r.ptr || r.ptr + r.len <= a, `output [${r.ptr}, +${r.len}) overlaps persistent block [${a}, +${s})`);
}
const afterPersist = g.memoryBytes();
countUp(g, 200000, 2);
persist(g, 8); // all earlier blocks still hold their fill (checked inside the guest)
check(g.memoryBytes() <= afterPersist + 65536, "memory stable after interleaving");
check(JSON.stringify(decode("string", g.call("get_config", enc64([1])))) === JSON.stringify(["héllo wörld"]), "config survives arena reuse");
check(u64s(g.call("running_sum", enc64([4]))).join() === "20", "state survives arena reuse");

// ---- builder copy path: slices appended out of order, output byte-identical to the codec's ----
let seed = 7;
const rnd = (n) => (seed = (seed * 1103515245 + 12345) % 2147483648) % n;
const rows = Array.from({ length: 3000 }, (_, i) => ["x".repeat(rnd(40)) + "é" + i, BigInt(rnd(1e9)) * 7919n]);
const want = encode("(string, u64)", rows);
check(Buffer.from(g.call("reorder", want)).equals(Buffer.from(want)), "reorder: output differs from the codec's encoding");
check(Buffer.from(g.call("reorder", encode("(string, u64)", []))).equals(Buffer.from(encode("(string, u64)", []))), "reorder on an empty batch");

// ---- bool columns: words + tail across word boundaries ----
for (const n of [0, 1, 63, 64, 65, 128, 130, 1000]) {
  const vals = Array.from({ length: n }, (_, i) => (i * 37 + 11) % 5);
  const bits = decode("bool", g.call("odd", enc64(vals)));
  check(bits.length === n && bits.every((b, i) => b === (vals[i] % 2 === 1)), `odd(${n})`);
  const neg = decode("bool", g.call("negate", encode("bool", bits)));
  check(neg.length === n && neg.every((b, i) => b === !bits[i]), `negate(${n})`);
  const copied = g.call("copy_bools", encode("bool", bits));
  check(Buffer.from(copied).equals(Buffer.from(encode("bool", bits))), `copy_bools(${n})`);
}

// ---- errors ----
throwsGuest(() => g.call("fail_always", enc64([1])), /guest error: failing as asked at 42$/, "fail_always");
throwsGuest(() => g.call("bad_schema", enc64([1])), /schema does not parse/, "bad_schema");
check(u64s(g.call("running_sum", enc64([0]))).join() === "20", "instance usable after a guest error");

// Malformed input, written straight into memory (the runner would refuse to send some of these).
const ex = g.exports;
function raw(exportName, bytes, { shift = 0, lenOverride } = {}) {
  const p = ex.tidal_alloc(bytes.length + 16) >>> 0;
  new Uint8Array(ex.memory.buffer).set(bytes, p + shift);
  const r = ex[exportName](p + shift, lenOverride ?? bytes.length);
  const e = ex.tidal_last_error() >>> 0, m = new Uint8Array(ex.memory.buffer);
  return [r, Buffer.from(m.subarray(e, m.indexOf(0, e))).toString()];
}
const good = enc64([1, 2]);
const words = (...ws) => { const b = Buffer.alloc(8 * ws.length); ws.forEach((w, i) => b.writeBigUInt64LE(BigInt(w), 8 * i)); return b; };
for (const [what, args, pattern] of [
  ["unaligned address", ["running_sum", good, { shift: 4 }], /not 8-aligned/],
  ["length not a multiple of 8", ["running_sum", good, { lenOverride: 12 }], /not a multiple of 8/],
  ["range beyond memory", ["running_sum", good, { lenOverride: 0x7ffffff8 }], /outside memory/],
  ["word 0 beyond the buffer", ["running_sum", words(64, 8), {}], /bad header word 0/],
  ["word 0 not a multiple of 8", ["running_sum", words(12, 16), {}], /bad header word 0/],
  ["too many slices", ["running_sum", words(24, 24, 24), {}], /slice count differs/],
  ["end before start", ["running_sum", words(16, 8), {}], /bad end offset of slice 0/],
  ["u64 slice of 12 bytes", ["running_sum", Buffer.concat([words(16, 28), Buffer.alloc(16)]), {}], /not a multiple of its element/],
  ["bool tail of 1 word", ["negate", words(24, 24, 32, 0), {}], /bool tail is not 2 words/],
  ["bool tail count 64", ["negate", words(24, 24, 40, 0, 64), {}], /bit count >= 64/],
]) {
  const [r, msg] = raw(...args);
  check(r < 0n && pattern.test(msg), `${what}: result ${r}, message "${msg}"`);
}
check(u64s(g.call("running_sum", enc64([1]))).join() === "21", "instance usable after malformed input");

// ---- the SDK's row and slice counts on the crate's own bytes (spec/vectors) ----
const ops = {
  "u64": ["rows_u64", 1], "(string, i64)": ["rows_string_i64", 3], "{text: string, diff: i64}": ["rows_struct", 3],
  "option<i32>": ["rows_option_i32", 4], "vec<u8>": ["rows_vec_u8", 2], "enum{Unit, Data(i64)}": ["rows_enum_data", 4],
  "enum{Red, Green, Blue}": ["rows_enum_unit", 1], "string": ["rows_string", 2], "bool": ["rows_bool", 2],
  "char": ["rows_char", 1], "unit": ["rows_unit", 1], "i16": ["rows_i16", 1], "f32": ["rows_f32", 1],
  "f64": ["rows_f64", 1], "u8": ["rows_u8", 1],
};
const dir = process.env.TIDAL_SHARED_DIR;
if (dir) {
  let used = 0;
  for (const line of readFileSync(join(dir, "spec/vectors/columnar-vectors.jsonl"), "utf8").split("\n").filter(Boolean)) {
    const c = fromJson(line);
    if (!(c.schema in ops)) { check(false, `no rows_ operator for vector schema ${c.schema}`); continue; }
    const [op, nslices] = ops[c.schema];
    let got;
    try { got = u64s(g.call(op, Buffer.from(c.hex, "hex"))); } catch (e) { check(false, `${op}: ${e.message}`); continue; }
    check(got.join() === `${c.rows.length},${nslices}`, `${op} on ${c.schema} ${JSON.stringify(c.rows)}: got rows,slices ${got}`);
    used++;
  }
  check(used >= 15, `only ${used} vectors used`);
} else {
  console.error("note: TIDAL_SHARED_DIR not set: vectors not checked");
}
// A nested schema of 14 slices: result tags at 1, 2 ([0b101, 3] = 3 rows), an inner bool tail at 8.
const nested = Array.from({ length: 14 }, (_, k) => (k === 2 ? words(5, 3) : k === 8 ? words(0, 0) : Buffer.alloc(0)));
check(u64s(g.call("rows_nested", frame(nested))).join() === "3,14", "rows_nested");
nested[8] = words(0, 70);
throwsGuest(() => g.call("rows_nested", frame(nested)), /bit count >= 64, slice 8/, "nested bool tail checked");

console.error(`sdk_probe: ${checks} checks, ${failures} failures`);
process.exit(failures ? 1 : 0);
