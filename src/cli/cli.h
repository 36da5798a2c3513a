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
  XX("wordcount", tidal_cli_wordcount, "count words of files or of the bundled corpus") \
  XX("wasm", tidal_cli_wasm, "compile, inspect and run WebAssembly operator modules")

int tidal_cli_version(int argc, char **argv);
int tidal_cli_wordcount(int argc, char **argv);
int tidal_cli_wasm(int argc, char **argv);
/* `tidal wasm run` (cli_wasm_run.c), dispatched by tidal_cli_wasm. */
int tidal_cli_wasm_run(int argc, char **argv);

#endif /* TIDAL_CLI_H */
