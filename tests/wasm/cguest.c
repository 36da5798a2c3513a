/*
** cguest.c: a tidal guest written in C, built at build time with
**   clang --target=wasm32 -O2 -nostdlib -mbulk-memory -Wl,--no-entry
** to exercise the real guest toolchain path: exports by attribute, a bump allocator growing
** memory, bulk-memory copies (memory.copy/fill, which wasm2c range-checks), and a memory.fill that
** runs past the end of memory (a trap even in guard-page mode).
*/
#define EXPORT(name) __attribute__((export_name(name)))

typedef unsigned int u32;
typedef unsigned long long u64;

extern unsigned char __heap_base;
static u32 heap_top;

EXPORT("tidal_abi_1") void tidal_abi_1(void) {}

EXPORT("tidal_describe") const char *tidal_describe(void) {
  return "upper: string -> string\nfill_oob: u64 -> u64\n";
}

EXPORT("tidal_alloc") void *tidal_alloc(u32 size) {
  if (!heap_top) heap_top = (u32)&__heap_base;
  u32 p = (heap_top + 7u) & ~7u;
  u32 end = p + size;
  if (end < p) return 0;
  u32 have = (u32)__builtin_wasm_memory_size(0) * 65536u;
  if (end > have && __builtin_wasm_memory_grow(0, (end - have + 65535u) / 65536u) == (unsigned long)-1)
    return 0;
  heap_top = end;
  return (void *)p;
}

/* Upper-case a byte string into a fresh buffer: one memory.copy, then a scalar loop. */
EXPORT("upper") u64 upper(const unsigned char *in, u32 len) {
  unsigned char *out = tidal_alloc(len);
  if (!out && len) return (u64)-1;
  __builtin_memcpy(out, in, len);
  for (u32 i = 0; i < len; i++)
    if (out[i] >= 'a' && out[i] <= 'z') out[i] = (unsigned char)(out[i] - 32);
  return (u64)len << 32 | (u32)out;
}

/* memory.fill over the end of memory: wasm2c's range check traps. */
EXPORT("fill_oob") u64 fill_oob(u32 p, u32 len) {
  (void)p;
  u32 size = (u32)__builtin_wasm_memory_size(0) * 65536u;
  __builtin_memset((void *)(size - 8), 0, 64 + len);
  return 0;
}
