/*
** cli.h: the tidal command's subcommands. Each is `int fn(int argc, char **argv)` with argv[0]
** the subcommand's name, returning the process exit status (0 ok, 1 failure, 2 usage).
** Add a subcommand by adding a line to TIDAL_CLI_COMMANDS and a cli_<name>.c file.
*/
#ifndef TIDAL_CLI_H
#define TIDAL_CLI_H

#include "tidal/tidal.h"

typedef int (*tidal_cli_fn)(int argc, char **argv);
typedef struct {
  const char *name;
  tidal_cli_fn fn;
  const char *help;
} tidal_cli_command;

#define TIDAL_CLI_COMMANDS(XX)                                                   \
  XX("version", tidal_cli_version, "print the version")                          \
  XX("columnar", tidal_cli_columnar, "encode/decode/inspect columnar batches")   \
  XX("wasm", tidal_cli_wasm, "compile, inspect and run WebAssembly operator modules") \
  XX("wordcount", tidal_cli_wordcount, "count words of files or of the bundled corpus")

int tidal_cli_version(int argc, char **argv);
int tidal_cli_columnar(int argc, char **argv);
int tidal_cli_wasm(int argc, char **argv);
int tidal_cli_wordcount(int argc, char **argv);
/* `tidal wasm run` (cli_wasm_run.c), dispatched by tidal_cli_wasm. */
int tidal_cli_wasm_run(int argc, char **argv);

/* `tidal wordcount --wasm M.wasm:EXPORT[:MODE]` (cli_wasm_stage.c): a loaded module attached as
   the word-count stage between split and exchange. open prints its errors and returns 1. */
typedef struct tidal_cli_wasm_stage {
  tidal_wasm_engine *engine;  /* owned */
  tidal_wasm_module *module;  /* owned */
  char *path;                 /* owned: the module path part of the spec */
  char *exp;                  /* owned: the export */
  tidal_wasm_op_config cfg;   /* mode and field (cfg.update_field points into exp's buffer) */
} tidal_cli_wasm_stage;
int tidal_cli_wasm_stage_open(tidal_cli_wasm_stage *st, const char *spec,
                              tidal_wordcount_opts *opts);
void tidal_cli_wasm_stage_close(tidal_cli_wasm_stage *st);

/* cli_wasm_common.c: the compile cache's default place ($XDG_CACHE_HOME/tidal or
   ~/.cache/tidal) into buf; -1 when neither variable helps or buf is too small. */
int tidal_cli_default_cache_dir(char *buf, size_t n);
/* Prints a guest's tidal.log line on stderr as "[module] text". */
void tidal_cli_wasm_log(void *ud, const char *module, const char *text, size_t len);

#endif /* TIDAL_CLI_H */
