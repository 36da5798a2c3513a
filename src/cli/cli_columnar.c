/*
** cli_columnar.c: `tidal columnar encode|decode|inspect`: JSON lines <-> one indexed columnar
** batch (binary or hex), and a human-readable dump of a batch's slice plan.
**
** Invariant: a run either succeeds and writes its whole output, or exits non-zero having written
** nothing to stdout and exactly one line to stderr naming the problem and where it is (input line,
** slice index, byte offset). All output is built in memory first and written at the end; write
** errors (a closed pipe, a full disk) are detected on fwrite, fflush and fclose and reported.
**
** Input conventions (documented in docs/columnar-cli.md):
**   - encode reads one JSON value per line; lines holding only whitespace are skipped, a trailing
**     "\r" is accepted (CRLF files), and line numbers in errors count every line, from 1;
**   - decode/inspect read the binary encoding, or with --hex its lowercase or uppercase hex
**     digits, optionally followed by whitespace (the newline `encode --hex` writes).
*/
#include "cli.h"

#include "tidal/columnar.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PROG "tidal columnar"

/* Default number of rows `inspect` shows. */
#define INSPECT_ROWS 5

typedef struct {
  const char *sub;         /* "encode", "decode" or "inspect" */
  const char *schema_text; /* --schema, borrowed from argv */
  const char *path;        /* FILE, or NULL for stdin; borrowed from argv */
  bool hex;                /* --hex */
  size_t show_rows;        /* inspect: --rows N */
} options;

/* The single error line of a failed run. */
TIDAL_PRINTF(1, 2) static int fail(const char *fmt, ...) {
  char line[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(line, sizeof line, fmt, ap);
  va_end(ap);
  fprintf(stderr, PROG ": %s\n", line);
  return 1;
}

static int usage(const char *why) {
  fprintf(stderr,
          PROG ": %s\n"
          "usage: tidal columnar encode  --schema S [--hex] [FILE]   JSON lines -> one batch\n"
          "       tidal columnar decode  --schema S [--hex] [FILE]   one batch -> JSON lines\n"
          "       tidal columnar inspect --schema S [--hex] [--rows N] [FILE]\n",
          why);
  return 2;
}

static const char *input_name(const options *o) { return o->path ? o->path : "<stdin>"; }

/* Read all of FILE (or stdin) into buf. The buffer is 16-aligned (tidal_buffer contract), which
   is what view_init needs for binary input. */
static int read_all(const options *o, tidal_buffer *buf) {
  FILE *f = stdin;
  if (o->path) {
    f = fopen(o->path, "rb");
    if (!f) return fail("cannot open '%s': %s", o->path, strerror(errno));
  }
  int rc = 0;
  for (;;) {
    if (tidal_buffer_reserve(buf, 1 << 16) < 0) {
      rc = fail("%s: out of memory reading input", input_name(o));
      break;
    }
    size_t n = fread(buf->data + buf->len, 1, buf->cap - buf->len, f);
    buf->len += n;
    if (n == 0) {
      if (ferror(f)) rc = fail("cannot read '%s': %s", input_name(o), strerror(errno));
      break;
    }
  }
  if (o->path) fclose(f);
  return rc;
}

/* Write the whole output and make sure it reached the file: fwrite, fflush and fclose each
   report a full disk or a closed pipe. */
static int write_all(const tidal_buffer *out) {
  if (out->len && fwrite(out->data, 1, out->len, stdout) != out->len)
    return fail("error writing output: %s", strerror(errno));
  if (fflush(stdout) != 0) return fail("error writing output: %s", strerror(errno));
  if (fclose(stdout) != 0) return fail("error writing output: %s", strerror(errno));
  return 0;
}

static int hex_digit(int c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/* Decode hex text in place (the result is never longer than the text), so the bytes stay in the
   16-aligned buffer. Trailing whitespace is allowed; anything else that is not a hex digit is an
   error naming its offset. */
static int unhex(const options *o, tidal_buffer *buf) {
  size_t n = buf->len;
  while (n > 0 && (buf->data[n - 1] == '\n' || buf->data[n - 1] == '\r' ||
                   buf->data[n - 1] == ' ' || buf->data[n - 1] == '\t'))
    n--;
  for (size_t i = 0; i < n; i++) {
    if (hex_digit(buf->data[i]) < 0) {
      int c = buf->data[i];
      if (c >= 0x21 && c < 0x7f)
        return fail("%s: bad hex: character '%c' at offset %zu is not a hex digit", input_name(o),
                    c, i);
      return fail("%s: bad hex: byte 0x%02x at offset %zu is not a hex digit", input_name(o), c,
                  i);
    }
  }
  if (n % 2)
    return fail("%s: bad hex: odd number of digits (%zu): the last byte is incomplete",
                input_name(o), n);
  for (size_t i = 0; i < n / 2; i++)
    buf->data[i] = (uint8_t)(hex_digit(buf->data[2 * i]) << 4 | hex_digit(buf->data[2 * i + 1]));
  buf->len = n / 2;
  return 0;
}

static int parse_schema(const options *o, tidal_schema **out) {
  tidal_error err;
  int rc = tidal_schema_parse(o->schema_text, strlen(o->schema_text), NULL, out, &err);
  if (rc < 0) return fail("bad schema '%s': %s", o->schema_text, err.msg);
  return 0;
}

/* ---- encode ----------------------------------------------------------------------------- */

static bool blank(const uint8_t *p, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r') return false;
  return true;
}

static int run_encode(const options *o, tidal_schema *schema, tidal_buffer *in, tidal_buffer *out) {
  tidal_builder *b = NULL;
  tidal_buffer enc;
  tidal_buffer_init(&enc, NULL);
  int rc = 0;
  if (tidal_builder_new(schema, NULL, &b) < 0) {
    rc = fail("out of memory");
    goto done;
  }
  size_t line = 0;
  for (size_t pos = 0; pos < in->len;) {
    const uint8_t *p = in->data + pos;
    const uint8_t *nl = memchr(p, '\n', in->len - pos);
    size_t n = nl ? (size_t)(nl - p) : in->len - pos;
    pos += n + (nl != NULL);
    line++;
    if (blank(p, n)) continue;
    if (n > 0 && p[n - 1] == '\r') n--;
    tidal_error err;
    if (tidal_builder_push_json(b, (const char *)p, n, &err) < 0) {
      rc = fail("%s:%zu: %s", input_name(o), line, err.msg);
      goto done;
    }
  }
  if (tidal_builder_encode(b, &enc) < 0) {
    rc = fail("out of memory encoding %zu rows", tidal_builder_rows(b));
    goto done;
  }
  if (!o->hex) {
    if (tidal_buffer_append(out, enc.data, enc.len) < 0) rc = fail("out of memory");
    goto done;
  }
  static const char digits[] = "0123456789abcdef";
  if (tidal_buffer_reserve(out, 2 * enc.len + 1) < 0) {
    rc = fail("out of memory");
    goto done;
  }
  for (size_t i = 0; i < enc.len; i++) {
    char pair[2] = {digits[enc.data[i] >> 4], digits[enc.data[i] & 15]};
    tidal_buffer_append_unsafe(out, pair, 2);
  }
  tidal_buffer_append_unsafe(out, "\n", 1);
done:
  tidal_buffer_reset(&enc);
  tidal_builder_free(b);
  return rc;
}

/* ---- decode / inspect ------------------------------------------------------------------- */

static int open_view(const options *o, tidal_schema *schema, tidal_buffer *in, tidal_batch_view *v) {
  if (o->hex) {
    int rc = unhex(o, in);
    if (rc) return rc;
  }
  tidal_error err;
  /* An empty input has no header at all; say so plainly rather than "corrupt". */
  if (in->len == 0) return fail("%s: empty input: no batch to read", input_name(o));
  if (tidal_view_init(v, schema, in->data, in->len, NULL, &err) < 0)
    return fail("%s: invalid batch for schema '%s': %s", input_name(o),
                tidal_schema_text(schema), err.msg);
  return 0;
}

static int run_decode(const options *o, tidal_schema *schema, tidal_buffer *in, tidal_buffer *out) {
  tidal_batch_view v;
  int rc = open_view(o, schema, in, &v);
  if (rc) return rc;
  for (size_t r = 0; r < v.rows && rc == 0; r++) {
    int e = tidal_view_row_json(&v, r, out);
    if (e == 0) e = tidal_buffer_append(out, "\n", 1);
    if (e < 0) rc = fail("%s: row %zu: cannot write JSON: %s", input_name(o), r, tidal_strerror(e));
  }
  tidal_view_reset(&v);
  return rc;
}

TIDAL_PRINTF(2, 3) static int put(tidal_buffer *out, const char *fmt, ...) {
  char tmp[512];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
  va_end(ap);
  if (n < 0) return TIDAL_EINVAL;
  return tidal_buffer_append(out, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

static const char *kind_name(tidal_kind k) {
  static const char *const names[] = {
      "u8",   "u16",  "u32",  "u64",  "i8",     "i16",  "i32",    "i64",    "f32",
      "f64",  "usize", "isize", "char", "u128", "i128", "bool",   "unit",   "string",
      "vec",  "option", "result", "tuple", "struct", "enum", "unit enum"};
  return (size_t)k < sizeof names / sizeof names[0] ? names[k] : "?";
}

static const char *role_name(tidal_slice_role r) {
  switch (r) {
    case TIDAL_SLICE_VALUES: return "values";
    case TIDAL_SLICE_UNIT_COUNT: return "unit count";
    case TIDAL_SLICE_BOUNDS: return "bounds";
    case TIDAL_SLICE_BYTES: return "bytes";
    case TIDAL_SLICE_BITS_WORDS: return "bit words";
    case TIDAL_SLICE_BITS_TAIL: return "bit tail";
    case TIDAL_SLICE_RS_COUNTS: return "rank counts";
    case TIDAL_SLICE_VARIANT: return "variant";
    case TIDAL_SLICE_OFFSET: return "offset";
    case TIDAL_SLICE_UNIT_TAGS: return "unit tags";
  }
  return "?";
}

/* The path from the root to the type node that owns slice k, e.g. "root.tags[]" or
   "root.kind::C.1"; found by descending through the children whose slice range holds k. */
static int owner_path(const tidal_schema *s, size_t k, tidal_buffer *out) {
  const tidal_type *t = tidal_schema_root(s);
  const tidal_type *owner = tidal_schema_slice(s, k)->owner;
  TIDAL_RETURN_IF_ERROR(put(out, "root"));
  while (t != owner) {
    size_t n = tidal_type_child_count(t), i = 0;
    for (; i < n; i++) {
      const tidal_type *c = tidal_type_child(t, i);
      size_t first = tidal_type_first_slice(c);
      if (k >= first && k < first + tidal_type_slice_count(c)) break;
    }
    if (i == n) break; /* not below any child: owned by t itself (cannot happen) */
    const char *name = tidal_type_child_name(t, i);
    switch (tidal_type_kind(t)) {
      case TIDAL_KIND_VEC: TIDAL_RETURN_IF_ERROR(put(out, "[]")); break;
      case TIDAL_KIND_OPTION: TIDAL_RETURN_IF_ERROR(put(out, "?")); break;
      case TIDAL_KIND_RESULT: TIDAL_RETURN_IF_ERROR(put(out, i == 0 ? ".ok" : ".err")); break;
      case TIDAL_KIND_ENUM: TIDAL_RETURN_IF_ERROR(put(out, "::%s", name ? name : "?")); break;
      default:
        if (name) TIDAL_RETURN_IF_ERROR(put(out, ".%s", name));
        else TIDAL_RETURN_IF_ERROR(put(out, ".%zu", i));
    }
    t = tidal_type_child(t, i);
  }
  return put(out, " (%s)", kind_name(tidal_type_kind(owner)));
}

static int inspect_text(const options *o, const tidal_batch_view *v, size_t bytes,
                        tidal_buffer *out) {
  const tidal_schema *s = v->schema;
  TIDAL_RETURN_IF_ERROR(put(out, "schema: %s\n", tidal_schema_text(s)));
  TIDAL_RETURN_IF_ERROR(put(out, "bytes: %zu\n", bytes));
  TIDAL_RETURN_IF_ERROR(put(out, "rows: %zu\n", v->rows));
  /* Valid either way; "no" means the bytes are not the writer's exact form (docs/columnar-cli.md),
     so re-encoding these rows gives other bytes. */
  tidal_error cerr;
  int crc = tidal_view_check_canonical(v, &cerr);
  if (crc == TIDAL_ENOMEM) return crc;
  TIDAL_RETURN_IF_ERROR(crc == 0 ? put(out, "canonical: yes\n")
                                 : put(out, "canonical: no (%s)\n", cerr.msg));
  TIDAL_RETURN_IF_ERROR(put(out, "slices: %zu\n", v->nslices));
  TIDAL_RETURN_IF_ERROR(put(out, "  %5s  %-11s %4s %10s  %s\n", "index", "role", "elem", "length",
                            "owner"));
  for (size_t k = 0; k < v->nslices; k++) {
    const tidal_slice_info *si = tidal_schema_slice(s, k);
    TIDAL_RETURN_IF_ERROR(put(out, "  %5zu  %-11s %4u %10zu  ", k, role_name(si->role),
                              (unsigned)si->elem_size, v->slices[k].len));
    TIDAL_RETURN_IF_ERROR(owner_path(s, k, out));
    TIDAL_RETURN_IF_ERROR(put(out, "\n"));
  }
  size_t show = v->rows < o->show_rows ? v->rows : o->show_rows;
  TIDAL_RETURN_IF_ERROR(put(out, "first %zu rows:\n", show));
  for (size_t r = 0; r < show; r++) {
    TIDAL_RETURN_IF_ERROR(put(out, "  %zu: ", r));
    TIDAL_RETURN_IF_ERROR(tidal_view_row_json(v, r, out));
    TIDAL_RETURN_IF_ERROR(put(out, "\n"));
  }
  return 0;
}

static int run_inspect(const options *o, tidal_schema *schema, tidal_buffer *in, tidal_buffer *out) {
  tidal_batch_view v;
  int rc = open_view(o, schema, in, &v);
  if (rc) return rc;
  int e = inspect_text(o, &v, in->len, out);
  if (e < 0) rc = fail("%s: cannot describe the batch: %s", input_name(o), tidal_strerror(e));
  tidal_view_reset(&v);
  return rc;
}

/* ---- entry -------------------------------------------------------------------------------- */

static int parse_args(int argc, char **argv, options *o) {
  memset(o, 0, sizeof *o);
  o->show_rows = INSPECT_ROWS;
  if (argc < 2) return usage("missing subcommand");
  o->sub = argv[1];
  if (strcmp(o->sub, "encode") && strcmp(o->sub, "decode") && strcmp(o->sub, "inspect"))
    return usage("unknown subcommand (expected encode, decode or inspect)");
  for (int i = 2; i < argc; i++) {
    const char *a = argv[i];
    if (!strcmp(a, "--schema") || !strcmp(a, "-s")) {
      if (++i == argc) return usage("--schema needs a value");
      o->schema_text = argv[i];
    } else if (!strncmp(a, "--schema=", 9)) {
      o->schema_text = a + 9;
    } else if (!strcmp(a, "--hex")) {
      o->hex = true;
    } else if (!strcmp(a, "--rows") && !strcmp(o->sub, "inspect")) {
      if (++i == argc) return usage("--rows needs a value");
      char *end;
      errno = 0;
      unsigned long long n = strtoull(argv[i], &end, 10);
      if (errno || *end || end == argv[i] || argv[i][0] == '-') return usage("--rows needs a count");
      o->show_rows = (size_t)n;
    } else if (!strcmp(a, "-") && !o->path) {
      o->path = NULL; /* explicit stdin */
    } else if (a[0] == '-' && a[1]) {
      char why[256];
      snprintf(why, sizeof why, "unknown option '%s'", a);
      return usage(why);
    } else if (!o->path) {
      o->path = a;
    } else {
      return usage("more than one input file");
    }
  }
  if (!o->schema_text) return usage("--schema is required");
  return 0;
}

int tidal_cli_columnar(int argc, char **argv) {
  options o;
  int rc = parse_args(argc, argv, &o);
  if (rc) return rc;
  /* A closed pipe must surface as a write error we can report, not a silent SIGPIPE death. */
  signal(SIGPIPE, SIG_IGN);
  tidal_schema *schema = NULL;
  tidal_buffer in, out;
  tidal_buffer_init(&in, NULL);
  tidal_buffer_init(&out, NULL);
  rc = parse_schema(&o, &schema);
  if (!rc) rc = read_all(&o, &in);
  if (!rc) {
    if (!strcmp(o.sub, "encode")) rc = run_encode(&o, schema, &in, &out);
    else if (!strcmp(o.sub, "decode")) rc = run_decode(&o, schema, &in, &out);
    else rc = run_inspect(&o, schema, &in, &out);
  }
  if (!rc) rc = write_all(&out);
  tidal_buffer_reset(&out);
  tidal_buffer_reset(&in);
  tidal_schema_unref(schema);
  return rc;
}
