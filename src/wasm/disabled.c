/*
** disabled.c: the WASM API when tidal is built with TIDAL_ENABLE_WASM=OFF. Every entry point that
** would compile or run a module returns TIDAL_ENOSYS; the module check (module.c) still works.
**
** Invariant: no handle can be created, so the functions taking one are unreachable; they are
** harmless no-ops anyway.
*/
#include "wasm/wasm_int.h"

#if !TIDAL_ENABLE_WASM

static int disabled(tidal_error *err) {
  return tidal_error_set(err, TIDAL_ENOSYS, "tidal was built without WebAssembly support "
                                            "(TIDAL_ENABLE_WASM=OFF)");
}

void tidal_wasm_engine_config_init(tidal_wasm_engine_config *cfg) {
  memset(cfg, 0, sizeof *cfg);
  cfg->max_pages = TIDAL_DEFAULT_WASM_MAX_PAGES;
  cfg->deadline_ms = TIDAL_DEFAULT_WASM_DEADLINE_MS;
}
int tidal_wasm_engine_new(const tidal_wasm_engine_config *cfg, tidal_wasm_engine **out,
                          tidal_error *err) {
  (void)cfg;
  *out = NULL;
  return disabled(err);
}
void tidal_wasm_engine_free(tidal_wasm_engine *e) { (void)e; }
int tidal_wasm_module_load(tidal_wasm_engine *e, const uint8_t *b, size_t n, const char *name,
                           tidal_wasm_module **out, tidal_error *err) {
  (void)e, (void)b, (void)n, (void)name;
  *out = NULL;
  return disabled(err);
}
int tidal_wasm_module_load_file(tidal_wasm_engine *e, const char *path, tidal_wasm_module **out,
                                tidal_error *err) {
  (void)e, (void)path;
  *out = NULL;
  return disabled(err);
}
void tidal_wasm_module_free(tidal_wasm_module *m) { (void)m; }
const tidal_wasm_module_info *tidal_wasm_module_inspect(const tidal_wasm_module *m) {
  (void)m;
  return NULL;
}
int tidal_wasm_module_find_operator(const tidal_wasm_module *m, const char *name, size_t *i,
                                    tidal_error *err) {
  (void)m, (void)name, (void)i;
  return disabled(err);
}
int tidal_wasm_instance_new(tidal_wasm_module *m, const char *c, size_t n, tidal_wasm_instance **out,
                            tidal_error *err) {
  (void)m, (void)c, (void)n;
  *out = NULL;
  return disabled(err);
}
void tidal_wasm_instance_free(tidal_wasm_instance *in) { (void)in; }
bool tidal_wasm_instance_dead(const tidal_wasm_instance *in) {
  (void)in;
  return true;
}
int tidal_wasm_instance_alloc(tidal_wasm_instance *in, uint32_t size, uint32_t *addr,
                              tidal_error *err) {
  (void)in, (void)size, (void)addr;
  return disabled(err);
}
int tidal_wasm_instance_write(tidal_wasm_instance *in, uint32_t addr, const void *src, size_t len,
                              tidal_error *err) {
  (void)in, (void)addr, (void)src, (void)len;
  return disabled(err);
}
int tidal_wasm_instance_range(const tidal_wasm_instance *in, uint32_t addr, uint32_t len,
                              const char *what, const uint8_t **data, tidal_error *err) {
  (void)in, (void)addr, (void)len, (void)what, (void)data;
  return disabled(err);
}
int tidal_wasm_instance_call(tidal_wasm_instance *in, size_t op, uint32_t ptr, uint32_t len,
                             uint32_t *a, uint32_t *n, tidal_error *err) {
  (void)in, (void)op, (void)ptr, (void)len, (void)a, (void)n;
  return disabled(err);
}
int tidal_wasm_instance_call_raw(tidal_wasm_instance *in, size_t op, uint32_t ptr, uint32_t len,
                                 int64_t *r, tidal_error *err) {
  (void)in, (void)op, (void)ptr, (void)len, (void)r;
  return disabled(err);
}
void tidal_wasm_instance_memory(const tidal_wasm_instance *in, uint8_t **base, size_t *size) {
  (void)in;
  *base = NULL;
  *size = 0;
}
void tidal_wasm_instance_set_deadline(tidal_wasm_instance *in, uint32_t ms) { (void)in, (void)ms; }

#endif /* !TIDAL_ENABLE_WASM */
