;; describe_bad.wat: tidal_describe names an operator the module does not export.
(module
  (memory (export "memory") 1)
  (data (i32.const 16) "ghost: u64 -> u64\n\00")
  (func (export "tidal_abi_1"))
  (func (export "tidal_describe") (result i32) (i32.const 16))
  (func (export "tidal_alloc") (param i32) (result i32) (i32.const 64)))
