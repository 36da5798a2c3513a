;; wrong_sig.wat: tidal_alloc takes an i64; must be refused, naming both signatures.
(module
  (memory (export "memory") 1)
  (func (export "tidal_abi_1"))
  (func (export "tidal_describe") (result i32) (i32.const 0))
  (func (export "tidal_alloc") (param i64) (result i32) (i32.const 0)))
