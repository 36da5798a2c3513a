;; bad_data.wat: a data segment that ends past the initial memory. Valid to wasm-validate, but
;; instantiation traps (out of bounds): the load must fail cleanly.
(module
  (memory (export "memory") 1)
  (data (i32.const 16) "op: u64 -> u64\n\00")
  (data (i32.const 65530) "0123456789abcdef")
  (func (export "tidal_abi_1"))
  (func (export "tidal_describe") (result i32) (i32.const 16))
  (func (export "tidal_alloc") (param i32) (result i32) (i32.const 64))
  (func (export "op") (param i32 i32) (result i64) (i64.const 0)))
