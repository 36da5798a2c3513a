/*
** columnar_schema_test.c: the schema parser: every form of the spec, canonical text, the slice
** plan (roles and element sizes read off the spec's table), equality, variant shapes, errors with
** byte positions, limits, reference counting and an OOM sweep.
*/
#include "harness/test.h"

static tidal_schema *parse(const char *text) {
  tidal_schema *s = NULL;
  tidal_error err;
  if (tidal_schema_parse(text, strlen(text), NULL, &s, &err) < 0)
    TEST_FAIL("parse '%s': %s", text, err.msg);
  return s;
}

static void parse_err(const char *text, const char *msg_part) {
  tidal_schema *s = (tidal_schema *)1;
  tidal_error err;
  CHECK_ERR(tidal_schema_parse(text, strlen(text), NULL, &s, &err), TIDAL_ESCHEMA);
  CHECK(s == NULL);
  if (!strstr(err.msg, msg_part)) TEST_FAIL("parse '%s': message '%s' lacks '%s'", text, err.msg, msg_part);
}

/* The plan as a compact string: one letter per slice (role) and its element size. */
static void plan(const tidal_schema *s, char *out) {
  static const char roles[] = "VUBYWTCROG"; /* values unit bounds bytes words tail counts var off tags */
  size_t n = 0;
  for (size_t k = 0; k < tidal_schema_slice_count(s); k++) {
    const tidal_slice_info *i = tidal_schema_slice(s, k);
    n += (size_t)sprintf(out + n, "%s%c%u", k ? " " : "", roles[i->role], i->elem_size);
  }
  out[n] = 0;
}

static void check_plan(const char *text, const char *canon, const char *want) {
  tidal_schema *s = parse(text);
  char got[512];
  plan(s, got);
  if (strcmp(got, want) != 0) TEST_FAIL("plan of %s: %s, expected %s", text, got, want);
  CHECK_STR(tidal_schema_text(s), canon);
  /* The canonical text parses to an equal schema. */
  tidal_schema *again = parse(canon);
  CHECK(tidal_schema_equal(s, again));
  CHECK_STR(tidal_schema_text(again), canon);
  tidal_schema_unref(again);
  tidal_schema_unref(s);
}

TEST(primitives_one_values_slice_each) {
  static const struct { const char *name; unsigned size; } p[] = {
      {"u8", 1}, {"u16", 2}, {"u32", 4}, {"u64", 8}, {"i8", 1}, {"i16", 2}, {"i32", 4},
      {"i64", 8}, {"f32", 4}, {"f64", 8}, {"usize", 8}, {"isize", 8}, {"char", 4},
      {"u128", 16}, {"i128", 16}};
  for (size_t i = 0; i < sizeof p / sizeof p[0]; i++) {
    char want[16];
    sprintf(want, "V%u", p[i].size);
    check_plan(p[i].name, p[i].name, want);
  }
}

TEST(plans_of_composites_follow_the_spec_table) {
  check_plan("bool", "bool", "W8 T8");
  check_plan("unit", "unit", "U8");
  check_plan("()", "unit", "U8");
  check_plan("string", "string", "B8 Y1");
  check_plan("vec<u8>", "vec<u8>", "B8 V1");
  check_plan("vec<string>", "vec<string>", "B8 B8 Y1");
  check_plan("option<i32>", "option<i32>", "C8 W8 T8 V4");
  check_plan("result<u8, string>", "result<u8, string>", "C8 W8 T8 V1 B8 Y1");
  check_plan("(string, i64)", "(string, i64)", "B8 Y1 V8");
  check_plan("{text: string, diff: i64}", "{text: string, diff: i64}", "B8 Y1 V8");
  check_plan("(u8,)", "(u8,)", "V1");
  check_plan("(u8)", "u8", "V1");
  check_plan("enum{Red, Green, Blue}", "enum{Red, Green, Blue}", "G1");
  check_plan("enum{Unit, Data(i64)}", "enum{Unit, Data(i64)}", "U8 V8 R1 O8");
  check_plan("enum{A, B(i64), C(u8, string), D{x: i64, y: string}}",
             "enum{A, B(i64), C(u8, string), D{x: i64, y: string}}",
             "U8 V8 V1 B8 Y1 V8 B8 Y1 R1 O8");
  check_plan("enum{E{x: bool}, F((u8, u8))}", "enum{E{x: bool}, F((u8, u8))}", "W8 T8 V1 V1 R1 O8");
  check_plan("vec<option<enum{X, Y(bool)}>>", "vec<option<enum{X, Y(bool)}>>",
             "B8 C8 W8 T8 U8 W8 T8 R1 O8");
}

TEST(whitespace_anywhere_and_trailing_commas) {
  check_plan(" \t\n( string ,\r\n i64 ) ", "(string, i64)", "B8 Y1 V8");
  check_plan("{ a : vec < u8 > , b : result < u8 , () > , }", "{a: vec<u8>, b: result<u8, unit>}",
             "B8 V1 C8 W8 T8 V1 U8");
  check_plan("enum { A , B ( u8 , ) , C { x : u8 , } , }", "enum{A, B(u8), C{x: u8}}", "U8 V1 V1 R1 O8");
}

TEST(type_tree_keeps_names_and_shapes) {
  tidal_schema *s = parse("enum{A, B(i64), C(u8, string), D{x: i64, y: string}, E{z: u8}}");
  const tidal_type *r = tidal_schema_root(s);
  CHECK_EQ_INT(tidal_type_kind(r), TIDAL_KIND_ENUM);
  CHECK_EQ_INT(tidal_type_child_count(r), 5);
  CHECK_STR(tidal_type_child_name(r, 3), "D");
  CHECK_EQ_INT(tidal_type_variant_shape(r, 0), TIDAL_VARIANT_UNIT);
  CHECK_EQ_INT(tidal_type_variant_shape(r, 1), TIDAL_VARIANT_TUPLE);
  CHECK_EQ_INT(tidal_type_variant_shape(r, 3), TIDAL_VARIANT_NAMED);
  CHECK_EQ_INT(tidal_type_variant_field_count(r, 2), 2);
  CHECK_EQ_INT(tidal_type_kind(tidal_type_child(r, 1)), TIDAL_KIND_I64);
  CHECK_EQ_INT(tidal_type_kind(tidal_type_child(r, 2)), TIDAL_KIND_TUPLE);
  CHECK_EQ_INT(tidal_type_kind(tidal_type_child(r, 3)), TIDAL_KIND_STRUCT);
  CHECK_EQ_INT(tidal_type_kind(tidal_type_child(r, 4)), TIDAL_KIND_U8);
  CHECK_STR(tidal_type_variant_field_name(r, 3, 1), "y");
  CHECK_STR(tidal_type_variant_field_name(r, 4, 0), "z");
  CHECK(tidal_type_variant_field_name(r, 1, 0) == NULL);
  CHECK_EQ_INT(tidal_type_first_slice(tidal_type_child(r, 2)), 2);
  CHECK_EQ_INT(tidal_type_slice_count(tidal_type_child(r, 2)), 3);
  CHECK_EQ_INT(tidal_type_slice_count(r), tidal_schema_slice_count(s));
  CHECK(tidal_schema_slice(s, tidal_schema_slice_count(s)) == NULL);
  CHECK(tidal_schema_slice(s, 0)->owner == tidal_type_child(r, 0));
  tidal_schema_unref(s);
}

TEST(equality_is_structure_and_names) {
  tidal_schema *a = parse("{a: u8, b: string}"), *b = parse("{ a:u8,b:string }"),
               *c = parse("{a: u8, c: string}"), *d = parse("(u8, string)");
  CHECK(tidal_schema_equal(a, b));
  CHECK(!tidal_schema_equal(a, c));
  CHECK(!tidal_schema_equal(a, d));
  tidal_schema_unref(a);
  tidal_schema_unref(b);
  tidal_schema_unref(c);
  tidal_schema_unref(d);
}

TEST(errors_name_the_byte_and_what_was_expected) {
  parse_err("", "at byte 0: expected a type, found end of input");
  parse_err("u9", "at byte 0: expected a type, found 'u9'");
  parse_err("(u8, )x", "at byte 6: expected end of input, found 'x'");
  parse_err("vec<u8", "at byte 6: expected '>', found end of input");
  parse_err("vec u8", "at byte 4: expected '<', found 'u8'");
  parse_err("result<u8>", "at byte 9: expected ','");
  parse_err("{a u8}", "at byte 3: expected ':', found 'u8'");
  parse_err("{a: u8, a: u8}", "at byte 8: expected a new field name, found duplicate 'a'");
  parse_err("enum{}", "at byte 5: expected a variant name, found '}'");
  parse_err("enum{A, A}", "duplicate 'A'");
  parse_err("enum{A()}", "at byte 7: expected a type, found ')'");
  parse_err("{}", "at byte 1: expected a field name, found '}'");
  parse_err("(u8 u8)", "at byte 4: expected ',' or ')', found 'u8'");
  parse_err("u8\x01", "found byte 0x01");
  parse_err("{1: u8}", "expected a field name, found '1'");
}

TEST(nesting_and_variant_limits) {
  char deep[1024] = "";
  for (int i = 0; i < 64; i++) strcat(deep, "vec<");
  strcat(deep, "u8");
  for (int i = 0; i < 64; i++) strcat(deep, ">");
  parse_err(deep, "levels of nesting");
  /* 63 + leaf = 64 levels is fine */
  char ok[1024] = "";
  for (int i = 0; i < 63; i++) strcat(ok, "option<");
  strcat(ok, "u8");
  for (int i = 0; i < 63; i++) strcat(ok, ">");
  tidal_schema *s = parse(ok);
  CHECK_EQ_INT(tidal_schema_slice_count(s), 63 * 3 + 1);
  tidal_schema_unref(s);
  /* 256 variants parse, 257 do not */
  char *big = malloc(257 * 8 + 16);
  strcpy(big, "enum{");
  for (int i = 0; i < 256; i++) sprintf(big + strlen(big), "%sV%d", i ? "," : "", i);
  strcat(big, "}");
  s = parse(big);
  CHECK_EQ_INT(tidal_type_child_count(tidal_schema_root(s)), 256);
  tidal_schema_unref(s);
  big[strlen(big) - 1] = 0;
  strcat(big, ",V256}");
  parse_err(big, "at most 256");
  free(big);
}

TEST(refcount_keeps_schema_alive) {
  tidal_schema *s = parse("(string, i64)");
  CHECK(tidal_schema_ref(s) == s);
  tidal_schema_unref(s);
  CHECK_STR(tidal_schema_text(s), "(string, i64)");
  tidal_schema_unref(s);
  tidal_schema_unref(NULL);
}

static int parse_body(void *ud, const tidal_allocator *a) {
  tidal_schema *s;
  int rc = tidal_schema_parse((const char *)ud, strlen((const char *)ud), a, &s, NULL);
  if (rc == 0) {
    CHECK(strlen(tidal_schema_text(s)) > 10);
    tidal_schema_unref(s);
  }
  return rc;
}

TEST(oom_sweep_schema_parse) {
  const char *text = "{a: vec<option<(u8, string)>>, b: enum{X, Y(i64), Z{p: u8, q: result<u8, bool>}}}";
  CHECK(tidal_test_oom_sweep(parse_body, (void *)text) > 2);
}
