// run_guest.mjs — run one export of a tidal guest module in Node's V8, as tidal's host would.
//
//   node run_guest.mjs MODULE.wasm EXPORT [--config STR] [--repeat N] < input.bin > output.bin
//   node run_guest.mjs MODULE.wasm --describe            print tidal_describe's text
//
// It follows spec/wasm-abi.md (version 1): refuses imports other than tidal.log (which it provides
// only if imported, writing to stderr), requires the ABI exports, calls tidal_init(config) if
// exported, then p = tidal_alloc(len), writes the input encoding at p, calls EXPORT(p, len) and
// checks the result: negative -> prints tidal_last_error and exits 1; otherwise the range
// (r & 0xffffffff, r >> 32) must be 8-aligned and inside memory, and its bytes go to stdout.
// --repeat N makes N calls on the same instance with the same input (each with a fresh
// tidal_alloc, as the host does) and fails unless every output is byte-identical: it exercises
// the guest's arena reuse. No npm packages; Node 20.
import { readFileSync, writeSync } from "node:fs";

/** A refusal or failure, with the exit code the command uses (1 guest failure, 2 bad usage/module). */
export class GuestError extends Error {
  constructor(msg, code = 1) { super(msg); this.code = code; }
}
const die = (msg, code = 1) => { throw new GuestError(msg, code); };

/**
 * Instantiate `wasmBytes` as tidal's host would (imports checked, ABI exports required, tidal_init
 * called with `config` if exported; tidal.log text goes to onLog(text), by default to stderr). Returns {exports, memoryBytes(), describe(), call(name, input)}
 * where call runs one operator call exactly as the ABI's "A call" section says and returns a Buffer
 * copy of the output encoding. Throws GuestError on any refusal, trap or guest error.
 */
export function loadGuest(wasmBytes, { config = "", name = "module", onLog = null } = {}) {
  let module;
  try {
    module = new WebAssembly.Module(wasmBytes);
  } catch (e) {
    die(`${name}: not a valid module: ${e.message}`, 2);
  }
  let memory = null;
  const imports = {};
  for (const imp of WebAssembly.Module.imports(module)) {
    if (imp.module === "tidal" && imp.name === "log" && imp.kind === "function") {
      imports.tidal = {
        log: (ptr, len) => {
          const b = new Uint8Array(memory.buffer);
          ptr >>>= 0; len >>>= 0;
          if (ptr + len > b.length) die("tidal.log: range outside memory");
          const text = Buffer.from(b.subarray(ptr, ptr + len)).toString("utf8");
          if (onLog) onLog(text);
          else process.stderr.write(`[guest] ${text}\n`);
        },
      };
    } else {
      die(`${name}: refused: imports ${imp.module}.${imp.name} (${imp.kind}); only tidal.log is allowed`, 2);
    }
  }
  const ex = new WebAssembly.Instance(module, imports).exports;
  for (const req of ["memory", "tidal_abi_1", "tidal_describe", "tidal_alloc"]) {
    if (!(req in ex)) die(`${name}: missing required export ${req}`, 2);
  }
  memory = ex.memory;
  const mem = () => new Uint8Array(memory.buffer); // re-read after every call: memory may grow
  const cstring = (addr) => {
    const b = mem();
    addr >>>= 0;
    if (addr >= b.length) die(`string address ${addr} outside memory`);
    const end = b.indexOf(0, addr);
    if (end < 0) die(`string at ${addr} not NUL-terminated`);
    return Buffer.from(b.subarray(addr, end)).toString("utf8");
  };
  const lastError = () => ("tidal_last_error" in ex ? cstring(ex.tidal_last_error()) : "(no tidal_last_error export)");
  const alloc = (len) => {
    const p = ex.tidal_alloc(len) >>> 0;
    if (p === 0) die(`tidal_alloc(${len}) returned 0`);
    if (p % 8) die(`tidal_alloc(${len}) returned unaligned ${p}`);
    if (p + len > mem().length) die(`tidal_alloc(${len}) returned ${p}, beyond memory`);
    return p;
  };
  if ("tidal_init" in ex) {
    const c = Buffer.from(config, "utf8");
    const p = alloc(c.length);
    mem().set(c, p);
    const rc = ex.tidal_init(p, c.length);
    if (rc !== 0) die(`tidal_init failed (${rc}): ${lastError()}`);
  }
  const call = (exportName, input) => {
    if (typeof ex[exportName] !== "function") die(`${name}: no export ${exportName}`, 2);
    const p = alloc(input.length);
    mem().set(input, p);
    let r;
    try {
      r = ex[exportName](p, input.length);
    } catch (e) {
      die(`${exportName}: trap: ${e.message}`);
    }
    if (r < 0n) die(`${exportName}: guest error: ${lastError()}`);
    const ptr = Number(r & 0xffffffffn), len = Number(r >> 32n);
    const b = mem();
    if (ptr % 8) die(`${exportName}: output address ${ptr} not 8-aligned`);
    if (ptr + len > b.length) die(`${exportName}: output [${ptr}, +${len}) outside memory (${b.length} bytes)`);
    return { out: Buffer.from(b.subarray(ptr, ptr + len)), ptr, len }; // copy: the arena is reused
  };
  return {
    exports: ex,
    memoryBytes: () => memory.buffer.byteLength,
    describe: () => cstring(ex.tidal_describe()),
    callRaw: call,
    call: (exportName, input) => call(exportName, input).out,
  };
}

/** One module, one instance, `repeat` calls of `exportName` on `input`; all outputs must agree. */
export function runGuest(wasmBytes, exportName, input, { config = "", repeat = 1, name = "module" } = {}) {
  const g = loadGuest(wasmBytes, { config, name });
  if (exportName === "--describe") return Buffer.from(g.describe(), "utf8");
  let first = null;
  for (let i = 0; i < repeat; i++) {
    const out = g.call(exportName, input);
    if (first === null) first = out;
    else if (!first.equals(out)) die(`${exportName}: call ${i + 1} of ${repeat} gave a different output`);
  }
  return first;
}

export function writeAll(fd, data) {
  let off = 0;
  while (off < data.length) off += writeSync(fd, data, off, data.length - off);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2);
  try {
    if (args.length < 2) die("usage: node run_guest.mjs MODULE.wasm EXPORT|--describe [--config STR] [--repeat N]", 2);
    const [modPath, exportName] = args;
    let config = "", repeat = 1;
    for (let i = 2; i < args.length; i++) {
      if (args[i] === "--config" && i + 1 < args.length) config = args[++i];
      else if (args[i] === "--repeat" && i + 1 < args.length) repeat = Math.max(1, Number(args[++i]) | 0);
      else die(`unknown argument ${args[i]}`, 2);
    }
    const input = exportName === "--describe" ? Buffer.alloc(0) : readFileSync(0);
    writeAll(1, runGuest(readFileSync(modPath), exportName, input, { config, repeat, name: modPath }));
  } catch (e) {
    process.stderr.write(`run_guest: ${e.message}\n`);
    process.exit(e instanceof GuestError ? e.code : 1);
  }
}
