;; big_memory.wat: asks for 4096 initial pages (256 MiB); refused when the engine caps memory lower.
(module
  (memory (export "memory") 4096)
  (data (i32.const 16) "op: u64 -> u64\n\00")
  (func (export "tidal_abi_1"))
  (func (export "tidal_describe") (result i32) (i32.const 16))
  (func (export "tidal_alloc") (param i32) (result i32) (i32.const 64))
  (func (export "op") (param i32 i32) (result i64) (i64.const 0)))
