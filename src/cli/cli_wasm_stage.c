/*
** cli_wasm_stage.c: the `--wasm MODULE.wasm:EXPORT[:MODE]` option of `tidal wordcount`: load the
** module once (shared by every worker: loaded modules are immutable and thread-safe) and attach
** EXPORT as a WASM operator on each worker's (word, diff) stream, between split and exchange.
**
** The spec is split at the first ".wasm:" (so paths may contain colons elsewhere), then the export
** name runs to the next ':' and the rest is the mode ("map" when absent; "update:FIELD" keeps
** its own colon). The compile cache is $XDG_CACHE_HOME/tidal or ~/.cache/tidal, as for
** `tidal wasm`.
*/
#include "cli.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int stage_cb(void *ud, tidal_stream *words, tidal_stream **out, tidal_error *err) {
  tidal_cli_wasm_stage *st = ud;
  return tidal_wasm_op(words, NULL, st->module, st->exp, &st->cfg, out, err);
}

int tidal_cli_wasm_stage_open(tidal_cli_wasm_stage *st, const char *spec,
                              tidal_wordcount_opts *opts) {
  memset(st, 0, sizeof *st);
  tidal_wasm_op_config_init(&st->cfg);
  const char *sep = strstr(spec, ".wasm:");
  if (!sep || !sep[6]) {
    fprintf(stderr, "tidal wordcount: --wasm wants MODULE.wasm:EXPORT[:MODE], not '%s'\n", spec);
    return 1;
  }
  size_t plen = (size_t)(sep + 5 - spec);
  st->path = strndup(spec, plen);
  st->exp = strdup(sep + 6);
  if (!st->path || !st->exp) {
    fprintf(stderr, "tidal wordcount: out of memory\n");
    tidal_cli_wasm_stage_close(st);
    return 1;
  }
  char *colon = strchr(st->exp, ':');
  tidal_error err;
  if (colon) {
    *colon = '\0';
    const char *field = NULL;
    if (tidal_wasm_mode_parse(colon + 1, &st->cfg.mode, &field, &err) < 0) {
      fprintf(stderr, "tidal wordcount: --wasm: %s\n", err.msg);
      tidal_cli_wasm_stage_close(st);
      return 1;
    }
    st->cfg.update_field = field;
  }
  tidal_wasm_engine_config cfg;
  tidal_wasm_engine_config_init(&cfg);
  char cache[4096];
  if (tidal_cli_default_cache_dir(cache, sizeof cache) < 0) {
    fprintf(stderr, "tidal wordcount: --wasm: no cache directory: set XDG_CACHE_HOME or HOME\n");
    tidal_cli_wasm_stage_close(st);
    return 1;
  }
  cfg.cache_dir = cache;
  cfg.log = tidal_cli_wasm_log;
  int rc = tidal_wasm_engine_new(&cfg, &st->engine, &err);
  if (rc == 0) {
    FILE *f = fopen(st->path, "rb");
    if (!f) {
      rc = tidal_error_set(&err, TIDAL_ENOENT, "cannot open '%s': %s", st->path, strerror(errno));
    } else {
      /* Loaded under its path as given, so every message names the path. */
      size_t cap = 1 << 16, n = 0, got;
      uint8_t *bytes = malloc(cap);
      while (bytes && (got = fread(bytes + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap) {
          uint8_t *nb = realloc(bytes, cap * 2);
          if (!nb) {
            free(bytes);
            bytes = NULL;
            break;
          }
          bytes = nb;
          cap *= 2;
        }
      }
      int bad = ferror(f);
      fclose(f);
      if (!bytes || bad)
        rc = tidal_error_set(&err, TIDAL_EIO, "cannot read '%s'", st->path);
      else
        rc = tidal_wasm_module_load(st->engine, bytes, n, st->path, &st->module, &err);
      free(bytes);
    }
  }
  if (rc < 0) {
    fprintf(stderr, "tidal wordcount: --wasm: %s (%s)\n", err.msg, tidal_err_name(rc));
    tidal_cli_wasm_stage_close(st);
    return 1;
  }
  opts->stage = stage_cb;
  opts->stage_ud = st;
  return 0;
}

void tidal_cli_wasm_stage_close(tidal_cli_wasm_stage *st) {
  tidal_wasm_module_free(st->module);
  tidal_wasm_engine_free(st->engine);
  free(st->path);
  free(st->exp);
  memset(st, 0, sizeof *st);
}
