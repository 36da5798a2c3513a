/*
** cli_wasm.c: `tidal wasm compile|inspect M.wasm`: fill the compile cache and describe a module.
** `tidal wasm run` (an operator over JSON rows through a dataflow) is in cli_wasm_run.c.
**
** The cache directory is chosen here (libtidal never reads the environment): --cache-dir, else
** $XDG_CACHE_HOME/tidal, else $HOME/.cache/tidal.
*/
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
  const char *cache_dir;
  const char *wasm2c;
  const char *cc;
  const char *file;
  char cache_buf[4096];
} wasm_opts;

static void wasm_usage(FILE *f) {
  fprintf(f,
          "usage: tidal wasm compile [OPTIONS] M.wasm   check and compile into the cache\n"
          "       tidal wasm inspect [OPTIONS] M.wasm   ABI, operators, imports, memory, cache\n"
          "       tidal wasm run [OPTIONS] M.wasm EXPORT   run an operator over JSON rows (--help)\n"
          "options:\n"
          "  --cache-dir DIR   compiled modules (default $XDG_CACHE_HOME/tidal or ~/.cache/tidal)\n"
          "  --wasm2c PATH     translator (default wasm2c on PATH)\n"
          "  --cc PATH         C compiler (default gcc on PATH)\n");
}

static int parse(int argc, char **argv, wasm_opts *o) {
  memset(o, 0, sizeof *o);
  for (int i = 2; i < argc; i++) {
    const char *a = argv[i];
    if ((!strcmp(a, "--cache-dir") || !strcmp(a, "--wasm2c") || !strcmp(a, "--cc")) && i + 1 < argc) {
      const char **dst = !strcmp(a, "--cache-dir") ? &o->cache_dir : !strcmp(a, "--wasm2c") ? &o->wasm2c : &o->cc;
      *dst = argv[++i];
    } else if (a[0] == '-' && a[1]) {
      fprintf(stderr, "tidal wasm: unknown option '%s'\n", a);
      return -1;
    } else if (!o->file) {
      o->file = a;
    } else {
      fprintf(stderr, "tidal wasm: one module at a time ('%s')\n", a);
      return -1;
    }
  }
  if (!o->file) {
    wasm_usage(stderr);
    return -1;
  }
  if (!o->cache_dir) {
    if (tidal_cli_default_cache_dir(o->cache_buf, sizeof o->cache_buf) < 0) {
      fprintf(stderr, "tidal wasm: no cache directory: set --cache-dir, XDG_CACHE_HOME or HOME\n");
      return -1;
    }
    o->cache_dir = o->cache_buf;
  }
  return 0;
}

static int load(const wasm_opts *o, tidal_wasm_engine **e, tidal_wasm_module **m) {
  tidal_wasm_engine_config cfg;
  tidal_wasm_engine_config_init(&cfg);
  cfg.cache_dir = o->cache_dir;
  if (o->wasm2c) cfg.wasm2c = o->wasm2c;
  if (o->cc) cfg.cc = o->cc;
  cfg.log = tidal_cli_wasm_log;
  tidal_error err;
  int rc = tidal_wasm_engine_new(&cfg, e, &err);
  if (rc == 0) rc = tidal_wasm_module_load_file(*e, o->file, m, &err);
  if (rc < 0) {
    fprintf(stderr, "tidal wasm: %s: %s (%s)\n", o->file, err.msg, tidal_err_name(rc));
    tidal_wasm_engine_free(*e);
    *e = NULL;
    return 1;
  }
  return 0;
}

static int cmd_compile(int argc, char **argv) {
  wasm_opts o;
  if (parse(argc, argv, &o) < 0) return 2;
  tidal_wasm_engine *e = NULL;
  tidal_wasm_module *m = NULL;
  if (load(&o, &e, &m)) return 1;
  const tidal_wasm_module_info *info = tidal_wasm_module_inspect(m);
  printf("%s\n", info->cache_path);
  if (info->cache_state == TIDAL_WASM_CACHE_COMPILED)
    printf("compiled in %.0f ms\n", info->compile_ms);
  else
    printf("cached (nothing compiled)\n");
  tidal_wasm_module_free(m);
  tidal_wasm_engine_free(e);
  return 0;
}

static int cmd_inspect(int argc, char **argv) {
  wasm_opts o;
  if (parse(argc, argv, &o) < 0) return 2;
  tidal_wasm_engine *e = NULL;
  tidal_wasm_module *m = NULL;
  if (load(&o, &e, &m)) return 1;
  const tidal_wasm_module_info *info = tidal_wasm_module_inspect(m);
  printf("module:     %s (%zu bytes)\n", info->name, info->wasm_bytes);
  printf("abi:        tidal %u\n", info->abi_version);
  printf("operators:  %zu\n", info->n_operators);
  for (size_t i = 0; i < info->n_operators; i++)
    printf("  %s: %s -> %s\n", info->operators[i].name, info->operators[i].input_schema,
           info->operators[i].output_schema);
  printf("imports:    ");
  if (!info->n_imports) printf("none");
  for (size_t i = 0; i < info->n_imports; i++) printf("%s%s", i ? ", " : "", info->imports[i]);
  printf("\n");
  printf("exports:    tidal_init %s, tidal_last_error %s\n", info->has_init ? "yes" : "no",
         info->has_last_error ? "yes" : "no");
  if (info->mem_max_pages == UINT32_MAX)
    printf("memory:     %u pages initial, no maximum declared, capped at %u pages\n",
           info->mem_min_pages, info->mem_cap_pages);
  else
    printf("memory:     %u pages initial, %u maximum, capped at %u pages\n", info->mem_min_pages,
           info->mem_max_pages, info->mem_cap_pages);
  printf("cache:      %s (%s)\n", info->cache_path,
         info->cache_state == TIDAL_WASM_CACHE_HIT ? "hit" : "compiled now");
  printf("key:        %s\n", info->key);
  tidal_wasm_module_free(m);
  tidal_wasm_engine_free(e);
  return 0;
}

int tidal_cli_wasm(int argc, char **argv) {
  if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
    wasm_usage(argc < 2 ? stderr : stdout);
    return argc < 2 ? 2 : 0;
  }
  if (!strcmp(argv[1], "compile")) return cmd_compile(argc, argv);
  if (!strcmp(argv[1], "inspect")) return cmd_inspect(argc, argv);
  if (!strcmp(argv[1], "run")) return tidal_cli_wasm_run(argc, argv); /* cli_wasm_run.c */
  fprintf(stderr, "tidal wasm: unknown subcommand '%s'\n", argv[1]);
  wasm_usage(stderr);
  return 2;
}
