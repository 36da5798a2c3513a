//! tally.rs — the `tally` operator of examples/guests/tally.c, in Rust without crates.
//!
//!   tally: (string, i64) -> u64     row i: len(text_i) + diff_i (wrapping)
//!
//! It implements tidal's guest ABI v1 by hand (no SDK, no `columnar` crate: Debian's rustc 1.63
//! is too old for it), to show the contract is language-neutral: the exports, a bump arena reset
//! by the first `tidal_alloc` after a call, validation of the indexed input, and the packed
//! `len << 32 | ptr` result.
//!
//! Build (Debian's rustc only: apt-get install rustc libstd-rust-dev-wasm32):
//!   /usr/bin/rustc --edition 2021 --target wasm32-unknown-unknown --crate-type cdylib -O \
//!       -C panic=abort -o tally_rs.wasm tally.rs
#![no_std]

use core::arch::wasm32;

const PAGE: usize = 65536;

extern "C" {
    /// Set by the linker: the first byte after static data and the stack.
    static __heap_base: u8;
}

/// The per-call arena: [start, end) of memory it owns, `top` the next free byte.
struct Arena {
    start: usize,
    top: usize,
    end: usize,
    reset_pending: bool,
}

static mut ARENA: Arena = Arena { start: 0, top: 0, end: 0, reset_pending: true };
static mut ERR: [u8; 128] = [0; 128];

fn fail(msg: &str) -> i64 {
    // SAFETY: a wasm instance is single-threaded; ERR is only touched by exported calls.
    unsafe {
        let n = msg.len().min(ERR.len() - 1);
        ERR[..n].copy_from_slice(&msg.as_bytes()[..n]);
        ERR[n] = 0;
    }
    -1
}

fn mem_end() -> usize {
    wasm32::memory_size(0) * PAGE
}

/// Bump-allocate `size` bytes, 8-aligned, growing memory at the end when needed; 0 if it cannot.
fn alloc(size: usize) -> usize {
    // SAFETY: single-threaded instance (see fail).
    unsafe {
        let a = &mut ARENA;
        if a.start == 0 {
            a.start = (&__heap_base as *const u8 as usize + 7) & !7;
            a.top = a.start;
            a.end = mem_end();
        }
        let size = match size.checked_add(7) { Some(s) => s & !7, None => return 0 };
        if a.end - a.top < size {
            let need = size - (a.end - a.top);
            if wasm32::memory_grow(0, (need + PAGE - 1) / PAGE) == usize::MAX {
                return 0;
            }
            a.end = mem_end();
        }
        let p = a.top;
        a.top += size;
        p
    }
}

#[no_mangle]
pub extern "C" fn tidal_abi_1() {}

/// The host's input buffer. The first call after an operator returned resets the arena, so the
/// previous output stays valid until the host asks for the next input buffer.
#[no_mangle]
pub extern "C" fn tidal_alloc(size: i32) -> i32 {
    // SAFETY: single-threaded instance (see fail).
    unsafe {
        if ARENA.reset_pending && ARENA.start != 0 {
            ARENA.top = ARENA.start;
        }
        ARENA.reset_pending = false;
    }
    if size < 0 { 0 } else { alloc(size as usize) as i32 }
}

#[no_mangle]
pub extern "C" fn tidal_last_error() -> i32 {
    // SAFETY: only the address is taken.
    unsafe { ERR.as_ptr() as i32 }
}

static DESCRIBE: &[u8] = b"tally: (string, i64) -> u64\n\0";

#[no_mangle]
pub extern "C" fn tidal_describe() -> i32 {
    DESCRIBE.as_ptr() as i32
}

/// Read u64 word `k` of a buffer (little-endian; the buffer is 8-aligned).
fn word(buf: &[u8], k: usize) -> u64 {
    let mut b = [0u8; 8];
    b.copy_from_slice(&buf[8 * k..8 * k + 8]);
    u64::from_le_bytes(b)
}

/// Validate the header of an encoding with `n` slices; returns each slice's [start, end).
fn slices<const N: usize>(buf: &[u8]) -> Result<[(usize, usize); N], &'static str> {
    if buf.len() % 8 != 0 || buf.len() < 8 {
        return Err("input: length not a positive multiple of 8");
    }
    let w0 = word(buf, 0);
    if w0 % 8 != 0 || w0 as usize != 8 * (N + 1) || w0 > buf.len() as u64 {
        return Err("input: header does not have the schema's slice count");
    }
    let mut out = [(0usize, 0usize); N];
    let mut start = w0;
    for (k, s) in out.iter_mut().enumerate() {
        let end = word(buf, k + 1);
        if end < start || end > buf.len() as u64 {
            return Err("input: slice end offset out of order or beyond the buffer");
        }
        *s = (start as usize, end as usize);
        start = (end + 7) & !7;
    }
    Ok(out)
}

fn tally_impl(ptr: i32, len: i32) -> Result<i64, &'static str> {
    let (ptr, len) = (ptr as u32 as usize, len as u32 as usize);
    if ptr % 8 != 0 || ptr.checked_add(len).map_or(true, |e| e > mem_end()) {
        return Err("input: range unaligned or outside memory");
    }
    // SAFETY: [ptr, ptr+len) was just checked to lie inside linear memory.
    let buf = unsafe { core::slice::from_raw_parts(ptr as *const u8, len) };
    let [bounds, bytes, diffs] = slices::<3>(buf)?;
    let (nb, nd) = ((bounds.1 - bounds.0), (diffs.1 - diffs.0));
    if nb % 8 != 0 || nd % 8 != 0 || nb != nd {
        return Err("input: (string, i64) columns have bad or different lengths");
    }
    let rows = nb / 8;
    let nbytes = (bytes.1 - bytes.0) as u64;
    // Output: header [16, 16 + 8 rows], then the u64 values (already a multiple of 8).
    let total = 16 + 8 * rows;
    let out = alloc(total);
    if out == 0 {
        return Err("output: out of memory");
    }
    // SAFETY: alloc returned `total` fresh bytes inside memory, disjoint from the input.
    let o = unsafe { core::slice::from_raw_parts_mut(out as *mut u8, total) };
    o[0..8].copy_from_slice(&16u64.to_le_bytes());
    o[8..16].copy_from_slice(&((16 + 8 * rows) as u64).to_le_bytes());
    let mut prev = 0u64;
    for i in 0..rows {
        let end = word(&buf[bounds.0..bounds.1], i);
        if end < prev || end > nbytes {
            return Err("input: string bounds decrease or exceed the bytes");
        }
        let diff = word(&buf[diffs.0..diffs.1], i);
        let v = (end - prev).wrapping_add(diff);
        o[16 + 8 * i..24 + 8 * i].copy_from_slice(&v.to_le_bytes());
        prev = end;
    }
    Ok(((total as i64) << 32) | out as i64)
}

#[no_mangle]
pub extern "C" fn tally(ptr: i32, len: i32) -> i64 {
    let r = match tally_impl(ptr, len) {
        Ok(r) => r,
        Err(msg) => fail(msg),
    };
    // SAFETY: single-threaded instance (see fail).
    unsafe { ARENA.reset_pending = true };
    r
}

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    core::arch::wasm32::unreachable()
}
