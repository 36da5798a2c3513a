;; start_loop.wat: a start function that never returns: instantiation must be stopped by the
;; deadline.
(module
  (memory (export "memory") 1)
  (data (i32.const 16) "op: u64 -> u64\n\00")
  (func $forever (loop $l (br $l)))
  (start $forever)
  (func (export "tidal_abi_1"))
  (func (export "tidal_describe") (result i32) (i32.const 16))
  (func (export "tidal_alloc") (param i32) (result i32) (i32.const 64))
  (func (export "op") (param i32 i32) (result i64) (i64.const 0)))
