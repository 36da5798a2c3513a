/*
 * lower_swar.c: the `lowercase` operator ((string, i64) -> (string, i64), ASCII A-Z only) written
 * against the ABI by hand (no SDK), for bench_wasm_ops: it lowercases the string bytes in place in
 * the input buffer, 8 bytes at a time (SWAR), and returns the input range as its output. This shows
 * what a guest can do about wasm2c's per-access cost (every byte load/store reloads the memory base
 * and goes through an optimization barrier, so byte loops cannot be vectorized or combined).
 * Built by the WASM host's test-module rule (clang --target=wasm32 -O2 -nostdlib -mbulk-memory).
 */
typedef unsigned char u8;
typedef unsigned int u32;
typedef unsigned long long u64;

#define EXPORT(name) __attribute__((export_name(name), visibility("default")))

extern u8 __heap_base;

static const char describe_text[] = "lowercase: (string, i64) -> (string, i64)\n";
static const char *last_error = "";
static u32 heap_end; /* end of the memory obtained so far (0 until the first alloc) */

EXPORT("tidal_abi_1") void tidal_abi_1(void);
EXPORT("tidal_describe") const char *tidal_describe(void);
EXPORT("tidal_last_error") const char *tidal_last_error(void);
EXPORT("tidal_alloc") u32 tidal_alloc(u32 size);
EXPORT("lowercase") long long lowercase(u32 p, u32 len);

void tidal_abi_1(void) {}
const char *tidal_describe(void) { return describe_text; }
const char *tidal_last_error(void) { return last_error; }

/* One input buffer at a time, at the 8-aligned heap base (reused by every call). */
u32 tidal_alloc(u32 size) {
  u32 base = ((u32)(unsigned long)&__heap_base + 7u) & ~7u;
  if (size > 0xffffffffu - base) return 0;
  u32 need = base + size;
  if (!heap_end) heap_end = (u32)__builtin_wasm_memory_size(0) * 65536u;
  if (need > heap_end) {
    u32 pages = (need - heap_end + 65535u) / 65536u;
    if (__builtin_wasm_memory_grow(0, pages) == (unsigned long)-1) return 0;
    heap_end += pages * 65536u;
  }
  return base;
}

static u64 load64(const u8 *p) {
  u64 x;
  __builtin_memcpy(&x, p, 8);
  return x;
}

long long lowercase(u32 p, u32 len) {
  u8 *b = (u8 *)(unsigned long)p;
  /* Header: [32, end of bounds, end of bytes, end of diffs]; slices start 8-aligned. */
  if (len < 32 || load64(b) != 32) {
    last_error = "input is not a (string, i64) encoding";
    return -1;
  }
  u64 e0 = load64(b + 8), e1 = load64(b + 16), e2 = load64(b + 24);
  u64 s1 = (e0 + 7) & ~7ull;
  if (e0 < 32 || s1 > e1 || e1 > e2 || e2 > len) {
    last_error = "input slices out of order or out of range";
    return -1;
  }
  u8 *s = b + s1;
  u32 n = (u32)(e1 - s1), i = 0;
  const u64 hi = 0x8080808080808080ull;
  for (; i + 8 <= n; i += 8) {
    u64 x = load64(s + i);
    u64 lo7 = x & ~hi;
    /* Per byte (no carries: each lane stays below 0x100): bit 7 of lo7 + 0x3f is set iff the byte
       is >= 'A'; of lo7 + 0x25 iff > 'Z'; ~x keeps ASCII bytes only. */
    u64 m = (lo7 + 0x3f3f3f3f3f3f3f3full) & ~(lo7 + 0x2525252525252525ull) & ~x & hi;
    x |= m >> 2;
    __builtin_memcpy(s + i, &x, 8);
  }
  for (; i < n; i++) s[i] |= (u8)(((u8)(s[i] - 'A') < 26u) << 5);
  return (long long)(((u64)len << 32) | p);
}
