// codec.mjs — an independent encoder/decoder of tidal's indexed columnar format, in plain
// JavaScript (Node 20, no packages), written from spec/columnar-format.md and not from the C code,
// so that it can cross-check the guests (and, later, tidal's own host).
//
// Supported schemas: u8 u16 u32 u64 i8 i16 i32 i64 usize isize f32 f64, string, bool, and tuples
// `(A, B, ...)` / structs `{a: A, b: B}` of those. Rows are JSON as in the spec's vectors (tuples
// as arrays, structs as objects). 64-bit integers are BigInt in memory and exact digits in JSON.
//
// As a command:
//   node codec.mjs encode SCHEMA < rows.jsonl > batch.bin    one JSON row per line
//   node codec.mjs decode SCHEMA < batch.bin > rows.jsonl
//   node codec.mjs selftest                                  check against the spec's vectors
//                                                            ($TIDAL_SHARED_DIR/spec/vectors)
import { readFileSync, writeSync } from "node:fs";
import { join } from "node:path";

const PRIM = {
  u8: [1, "Uint8"], i8: [1, "Int8"], u16: [2, "Uint16"], i16: [2, "Int16"],
  u32: [4, "Uint32"], i32: [4, "Int32"], u64: [8, "BigUint64"], i64: [8, "BigInt64"],
  usize: [8, "BigUint64"], isize: [8, "BigInt64"], f32: [4, "Float32"], f64: [8, "Float64"],
};

// ---- schema parsing: a tree {kind: "prim"|"string"|"bool"|"tuple"|"struct", ...} ----
export function parseSchema(text) {
  let i = 0;
  const ws = () => { while (/\s/.test(text[i] ?? "")) i++; };
  const ident = () => { ws(); const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i)); if (!m) throw new Error(`schema: name expected at ${i} in ${text}`); i += m[0].length; return m[0]; };
  const eat = (c) => { ws(); if (text[i] !== c) return false; i++; return true; };
  const type = () => {
    ws();
    if (eat("(")) {
      const fields = [];
      while (!eat(")")) { fields.push(type()); if (!eat(",")) { if (!eat(")")) throw new Error(`schema: ) expected in ${text}`); break; } }
      return { kind: "tuple", fields };
    }
    if (eat("{")) {
      const fields = [], names = [];
      while (!eat("}")) { names.push(ident()); if (!eat(":")) throw new Error("schema: : expected"); fields.push(type()); if (!eat(",")) { if (!eat("}")) throw new Error("schema: } expected"); break; } }
      return { kind: "struct", fields, names };
    }
    const w = ident();
    if (w in PRIM) return { kind: "prim", name: w, size: PRIM[w][0], view: PRIM[w][1] };
    if (w === "string" || w === "bool") return { kind: w };
    throw new Error(`schema: unsupported type ${w} in ${text}`);
  };
  const t = type(); ws();
  if (i !== text.length) throw new Error(`schema: trailing text in ${text}`);
  return t;
}

const nslices = (t) => t.kind === "prim" ? 1 : t.kind === "string" || t.kind === "bool" ? 2 : t.fields.reduce((a, f) => a + nslices(f), 0);

// ---- encoding: rows -> list of slices (Uint8Array) -> indexed bytes ----
function columns(t, rows, out) {
  if (t.kind === "tuple" || t.kind === "struct") {
    t.fields.forEach((f, k) => columns(f, rows.map((r) => t.kind === "tuple" ? r[k] : r[t.names[k]]), out));
  } else if (t.kind === "prim") {
    const b = new Uint8Array(rows.length * t.size), dv = new DataView(b.buffer);
    rows.forEach((v, i) => dv[`set${t.view}`](i * t.size, t.size === 8 && !t.view.startsWith("Float") ? BigInt(v) : Number(v), true));
    out.push(b);
  } else if (t.kind === "string") {
    const enc = rows.map((s) => Buffer.from(String(s), "utf8"));
    const bounds = new Uint8Array(rows.length * 8), dv = new DataView(bounds.buffer);
    let end = 0;
    enc.forEach((e, i) => { end += e.length; dv.setBigUint64(i * 8, BigInt(end), true); });
    out.push(bounds, new Uint8Array(Buffer.concat(enc)));
  } else if (t.kind === "bool") {
    const nw = Math.floor(rows.length / 64), words = new BigUint64Array(nw), tail = new BigUint64Array(2);
    rows.forEach((v, i) => {
      if (v !== true && v !== false) throw new Error(`bool expected, got ${JSON.stringify(v)}`);
      const w = Math.floor(i / 64); if (!v) return;
      const bit = 1n << BigInt(i % 64);
      if (w < nw) words[w] |= bit; else tail[0] |= bit;
    });
    tail[1] = BigInt(rows.length % 64);
    out.push(new Uint8Array(words.buffer), new Uint8Array(tail.buffer));
  }
}

export function frame(slices) {
  const n = slices.length;
  let pos = 8 * (n + 1);
  const hdr = [BigInt(pos)], starts = [];
  for (const s of slices) { starts.push(pos); hdr.push(BigInt(pos + s.length)); pos = (pos + s.length + 7) & ~7; }
  const buf = new Uint8Array(pos), dv = new DataView(buf.buffer);
  hdr.forEach((w, k) => dv.setBigUint64(8 * k, w, true));
  slices.forEach((s, k) => buf.set(s, starts[k]));
  return buf;
}

export function encode(schema, rows) {
  const out = [];
  columns(parseSchema(schema), rows, out);
  return frame(out);
}

// ---- decoding: validate like an untrusted reader, then rebuild rows ----
// Options (for tests of lenient readers): padding: false skips the zero-padding check,
// trailing: false allows bytes after the last slice.
export function unframe(bytes, n, { padding = true, trailing = true } = {}) {
  const fail = (m) => { throw new Error(`decode: ${m}`); };
  if (bytes.length % 8) fail(`length ${bytes.length} not a multiple of 8`);
  if (bytes.length < 8) fail("no header");
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const w = (k) => Number(dv.getBigUint64(8 * k, true));
  const w0 = w(0);
  if (w0 % 8 || w0 < 8 || w0 > bytes.length) fail(`bad word 0: ${w0}`);
  if (w0 / 8 - 1 !== n) fail(`${w0 / 8 - 1} slices, schema has ${n}`);
  const slices = [];
  let start = w0;
  for (let k = 0; k < n; k++) {
    const end = w(k + 1);
    if (end < start || end > bytes.length) fail(`slice ${k}: end ${end} outside [${start}, ${bytes.length}]`);
    if (padding) for (let p = end; p < ((end + 7) & ~7); p++) if (bytes[p] !== 0) fail(`slice ${k}: non-zero padding`);
    slices.push(bytes.subarray(start, end));
    start = (end + 7) & ~7;
  }
  if (trailing && start !== bytes.length) fail(`trailing bytes after the last slice (${start} of ${bytes.length})`);
  return slices;
}

function decolumn(t, slices, at) { // returns [values, next slice index]
  const fail = (m) => { throw new Error(`decode: ${m}`); };
  if (t.kind === "tuple" || t.kind === "struct") {
    const cols = [];
    for (const f of t.fields) { const [v, next] = decolumn(f, slices, at); cols.push(v); at = next; }
    const len = cols[0].length;
    if (cols.some((c) => c.length !== len)) fail("tuple columns differ in length");
    const rows = [];
    for (let i = 0; i < len; i++) {
      if (t.kind === "tuple") rows.push(cols.map((c) => c[i]));
      else { const o = {}; t.names.forEach((nm, k) => { o[nm] = cols[k][i]; }); rows.push(o); }
    }
    return [rows, at];
  }
  if (t.kind === "prim") {
    const s = slices[at];
    if (s.length % t.size) fail(`slice ${at}: length ${s.length} not a multiple of ${t.size}`);
    const dv = new DataView(s.buffer, s.byteOffset, s.length), v = [];
    for (let i = 0; i < s.length; i += t.size) v.push(dv[`get${t.view}`](i, true));
    return [v, at + 1];
  }
  if (t.kind === "string") {
    const b = slices[at], bytes = slices[at + 1];
    if (b.length % 8) fail(`slice ${at}: bounds length ${b.length}`);
    const dv = new DataView(b.buffer, b.byteOffset, b.length), v = [];
    let prev = 0;
    for (let i = 0; i < b.length; i += 8) {
      const e = Number(dv.getBigUint64(i, true));
      if (e < prev || e > bytes.length) fail(`string ${i / 8}: bound ${e} outside [${prev}, ${bytes.length}]`);
      v.push(Buffer.from(bytes.subarray(prev, e)).toString("utf8"));
      prev = e;
    }
    return [v, at + 2];
  }
  // bool
  const words = slices[at], tail = slices[at + 1];
  if (words.length % 8) fail(`slice ${at}: bool words length ${words.length}`);
  if (tail.length !== 16) fail(`slice ${at + 1}: bool tail is ${tail.length} bytes, not 16`);
  const tv = new DataView(tail.buffer, tail.byteOffset, 16), partial = tv.getBigUint64(0, true), nbits = Number(tv.getBigUint64(8, true));
  if (nbits >= 64) fail(`bool tail bit count ${nbits}`);
  const wv = new DataView(words.buffer, words.byteOffset, words.length), v = [];
  for (let k = 0; k < words.length / 8; k++) { const x = wv.getBigUint64(8 * k, true); for (let j = 0n; j < 64n; j++) v.push(((x >> j) & 1n) === 1n); }
  for (let j = 0n; j < BigInt(nbits); j++) v.push(((partial >> j) & 1n) === 1n);
  if (nbits < 64 && (partial >> BigInt(nbits)) !== 0n) fail("bool tail has bits set beyond its count");
  return [v, at + 2];
}

export function decode(schema, bytes, opts = {}) {
  const t = parseSchema(schema);
  const slices = unframe(bytes, nslices(t), opts);
  const [rows, at] = decolumn(t, slices, 0);
  if (t.kind !== "tuple" && t.kind !== "struct") return rows;
  if (at !== slices.length) throw new Error("decode: internal slice count");
  return rows;
}

// ---- JSON with exact 64-bit integers ----
export function toJson(v) {
  if (typeof v === "bigint") return v.toString();
  if (typeof v === "number" && Object.is(v, -0)) return "-0.0";
  if (Array.isArray(v)) return "[" + v.map(toJson).join(", ") + "]";
  if (v && typeof v === "object") return "{" + Object.entries(v).map(([k, x]) => JSON.stringify(k) + ": " + toJson(x)).join(", ") + "}";
  return JSON.stringify(v);
}
// Integers longer than 15 digits are parsed exactly (as BigInt); others as numbers.
export function fromJson(line) {
  const quoted = line.replace(/("(?:[^"\\]|\\.)*")|(-?\d{16,})(?![.\deE])/g, (m, str, big) => str ?? `{"$big":"${big}"}`);
  return JSON.parse(quoted, (k, v) => (v && typeof v === "object" && !Array.isArray(v) && "$big" in v ? BigInt(v.$big) : v));
}

function same(a, b) {
  if (typeof a === "bigint" || typeof b === "bigint") { try { return BigInt(a) === BigInt(b); } catch { return false; } }
  if (typeof a === "number" && typeof b === "number") return Object.is(a, b) || (a === b && a !== 0);
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => same(x, b[i]));
  if (a && b && typeof a === "object" && typeof b === "object") { const ka = Object.keys(a); return ka.length === Object.keys(b).length && ka.every((k) => same(a[k], b[k])); }
  return a === b;
}
export { same };

function readStdin() { return readFileSync(0); }
function writeOut(data) { let off = 0; while (off < data.length) off += writeSync(1, data, off, data.length - off); }

function selftest() {
  const dir = process.env.TIDAL_SHARED_DIR;
  if (!dir) { console.error("selftest: TIDAL_SHARED_DIR is not set"); process.exit(2); }
  const lines = readFileSync(join(dir, "spec/vectors/columnar-vectors.jsonl"), "utf8").split("\n").filter(Boolean);
  let checked = 0, bad = 0;
  for (const line of lines) {
    const c = fromJson(line);
    try { parseSchema(c.schema); } catch { continue; } // not a schema this codec handles
    const hex = Buffer.from(encode(c.schema, c.rows)).toString("hex");
    if (hex !== c.hex) { bad++; console.error(`encode ${c.schema} ${toJson(c.rows)}:\n  got  ${hex}\n  want ${c.hex}`); }
    const rows = decode(c.schema, new Uint8Array(Buffer.from(c.hex, "hex")));
    if (!same(rows, c.rows)) { bad++; console.error(`decode ${c.schema}: got ${toJson(rows)} want ${toJson(c.rows)}`); }
    checked++;
  }
  if (checked < 8) { console.error(`selftest: only ${checked} vectors usable`); process.exit(1); }
  console.error(`selftest: ${checked} vectors, ${bad} mismatches`);
  process.exit(bad ? 1 : 0);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [cmd, schema] = process.argv.slice(2);
  try {
    if (cmd === "encode") {
      const rows = readStdin().toString("utf8").split("\n").filter((l) => l.trim()).map(fromJson);
      writeOut(encode(schema, rows));
    } else if (cmd === "decode") {
      const b = readStdin();
      const rows = decode(schema, new Uint8Array(b.buffer, b.byteOffset, b.length));
      writeOut(Buffer.from(rows.map((r) => toJson(r) + "\n").join("")));
    } else if (cmd === "selftest") {
      selftest();
    } else {
      console.error("usage: node codec.mjs encode|decode SCHEMA, or node codec.mjs selftest");
      process.exit(2);
    }
  } catch (e) {
    console.error(`codec: ${e.message}`);
    process.exit(1);
  }
}
