;; op_hostile.wat: guests for the WASM operator tests (tests/wasm_op_test.c). Every operator reads
;; a u64 column (its encoding: [16, 16 + 8n] then n values) and misbehaves in one way, or behaves
;; (echo, stamp) so that the tests can see state, instance replacement and continue-on-error.
;;   echo        returns its input range (a valid map output)
;;   stamp       overwrites every value with the instance's call number (1, 2, ...): guest state
;;   stamp_fail2 as stamp, but traps (unreachable) on the 2nd call of each instance
;;   div0        integer division by zero
;;   bad_bytes   an output whose header points past its end (fails validation)
;;   zero_rows   a valid u64 encoding with 0 rows (wrong row count for map/filter/update)
;;   outside     an output range beyond the end of memory
;;   unaligned   an output address that is not 8-aligned
;;   fail        a guest-reported error (negative result) with a tidal_last_error message
;;   bits_short  a filter output (bool) with 0 rows
;;   bits_alt    a filter output keeping rows 0, 2, 4, ... (bit i = i even)
;;   zero_rows2  zero_rows for a (u64, u64) stream (column update of a u64 field)
;;   recurse     unbounded recursion through the table (stack exhaustion)
;;   first       the first column of a (u64, u64) batch, rewritten in place (a valid update)
;;   wrong_in    declares a string input (schema mismatch on a u64 stream)
(module
  (memory (export "memory") 2)
  (global $calls (mut i64) (i64.const 0))
  (data (i32.const 64) "echo: u64 -> u64\nstamp: u64 -> u64\nstamp_fail2: u64 -> u64\ndiv0: u64 -> u64\nbad_bytes: u64 -> u64\nzero_rows: u64 -> u64\noutside: u64 -> u64\nunaligned: u64 -> u64\nfail: u64 -> u64\nbits_short: u64 -> bool\nbits_alt: u64 -> bool\nwrong_in: string -> u64\nzero_rows2: (u64, u64) -> u64\nrecurse: u64 -> u64\nfirst: (u64, u64) -> u64\n\00")
  ;; 600: bad bytes [16, 9999]; 632: zero rows [16, 16]; 664: bool with 0 rows [24, 24, 40, 0, 0]
  (data (i32.const 600) "\10\00\00\00\00\00\00\00\0f\27\00\00\00\00\00\00")
  (data (i32.const 632) "\10\00\00\00\00\00\00\00\10\00\00\00\00\00\00\00")
  (data (i32.const 664) "\18\00\00\00\00\00\00\00\18\00\00\00\00\00\00\00\28\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00")
  (data (i32.const 720) "the operator failed on purpose\00")
  (func (export "tidal_abi_1"))
  (func (export "tidal_describe") (result i32) (i32.const 64))
  (func (export "tidal_last_error") (result i32) (i32.const 720))
  ;; Input buffers start at 4096; the tests keep inputs under 60 KiB.
  (func (export "tidal_alloc") (param $size i32) (result i32)
    (if (i32.gt_u (local.get $size) (i32.const 126976)) (then (return (i32.const 0))))
    (i32.const 4096))
  (func $range (param $p i32) (param $len i32) (result i64)
    (i64.or (i64.shl (i64.extend_i32_u (local.get $len)) (i64.const 32)) (i64.extend_i32_u (local.get $p))))
  (func (export "echo") (param $p i32) (param $len i32) (result i64)
    (call $range (local.get $p) (local.get $len)))
  (func $stamp (export "stamp") (param $p i32) (param $len i32) (result i64)
    (local $i i32)
    (global.set $calls (i64.add (global.get $calls) (i64.const 1)))
    (local.set $i (i32.const 16))
    (block $done
      (loop $l
        (br_if $done (i32.ge_u (local.get $i) (local.get $len)))
        (i64.store (i32.add (local.get $p) (local.get $i)) (global.get $calls))
        (local.set $i (i32.add (local.get $i) (i32.const 8)))
        (br $l)))
    (call $range (local.get $p) (local.get $len)))
  (func (export "stamp_fail2") (param $p i32) (param $len i32) (result i64)
    (if (i64.eq (global.get $calls) (i64.const 1)) (then (unreachable)))
    (call $stamp (local.get $p) (local.get $len)))
  (func (export "div0") (param $p i32) (param $len i32) (result i64)
    (i64.extend_i32_u (i32.div_u (local.get $len) (i32.sub (local.get $len) (local.get $len)))))
  (func (export "bad_bytes") (param i32 i32) (result i64) (call $range (i32.const 600) (i32.const 16)))
  (func (export "zero_rows") (param i32 i32) (result i64) (call $range (i32.const 632) (i32.const 16)))
  (func (export "outside") (param i32 i32) (result i64) (call $range (i32.const 131064) (i32.const 64)))
  (func (export "unaligned") (param i32 i32) (result i64) (call $range (i32.const 636) (i32.const 16)))
  (func (export "fail") (param i32 i32) (result i64) (i64.const -1))
  (func (export "bits_short") (param i32 i32) (result i64) (call $range (i32.const 664) (i32.const 40)))
  ;; bits_alt: bool column of n rows (n from the input header) with bit i = (i even), built at 8192:
  ;; header [24, 24 + 8*(n/64), 40 + 8*(n/64)], words 0x5555..., tail [pattern & mask, n % 64].
  (func (export "bits_alt") (param $p i32) (param $len i32) (result i64)
    (local $n i32) (local $w i32) (local $i i32) (local $o i32)
    (local.set $n (i32.shr_u (i32.sub (i32.load (i32.add (local.get $p) (i32.const 8))) (i32.const 16)) (i32.const 3)))
    (local.set $w (i32.shr_u (local.get $n) (i32.const 6)))
    (i64.store (i32.const 8192) (i64.const 24))
    (i64.store (i32.const 8200) (i64.extend_i32_u (i32.add (i32.const 24) (i32.shl (local.get $w) (i32.const 3)))))
    (i64.store (i32.const 8208) (i64.extend_i32_u (i32.add (i32.const 40) (i32.shl (local.get $w) (i32.const 3)))))
    (local.set $o (i32.const 8216))
    (block $done
      (loop $l
        (br_if $done (i32.ge_u (local.get $i) (local.get $w)))
        (i64.store (local.get $o) (i64.const 0x5555555555555555))
        (local.set $o (i32.add (local.get $o) (i32.const 8)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $l)))
    (i64.store (local.get $o)
      (i64.and (i64.const 0x5555555555555555)
               (i64.sub (i64.shl (i64.const 1) (i64.extend_i32_u (i32.and (local.get $n) (i32.const 63)))) (i64.const 1))))
    (i64.store (i32.add (local.get $o) (i32.const 8)) (i64.extend_i32_u (i32.and (local.get $n) (i32.const 63))))
    (call $range (i32.const 8192) (i32.add (i32.const 40) (i32.shl (local.get $w) (i32.const 3)))))
  (func (export "zero_rows2") (param i32 i32) (result i64) (call $range (i32.const 632) (i32.const 16)))
  ;; Through call_indirect so that the C compiler cannot turn the recursion into a loop.
  (type $rt (func (param i32 i32) (result i64)))
  (table 1 funcref)
  (elem (i32.const 0) $rec)
  (func $rec (export "recurse") (param $p i32) (param $len i32) (result i64)
    (i64.add
      (call_indirect (type $rt) (i32.add (local.get $p) (i32.const 1)) (local.get $len) (i32.const 0))
      (i64.extend_i32_u (local.get $p))))
  (func (export "first") (param $p i32) (param $len i32) (result i64)
    (local $n8 i64)
    (local.set $n8 (i64.sub (i64.load (i32.add (local.get $p) (i32.const 8))) (i64.const 24)))
    (i64.store (i32.add (local.get $p) (i32.const 8)) (i64.const 16))
    (i64.store (i32.add (local.get $p) (i32.const 16)) (i64.add (i64.const 16) (local.get $n8)))
    (call $range (i32.add (local.get $p) (i32.const 8)) (i32.add (i32.const 16) (i32.wrap_i64 (local.get $n8)))))
  (func (export "wrong_in") (param i32 i32) (result i64) (i64.const -1))
)
