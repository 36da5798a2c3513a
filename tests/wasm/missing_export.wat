;; missing_export.wat: has no tidal_alloc; must be refused, naming the missing export.
(module
  (memory (export "memory") 1)
  (func (export "tidal_abi_1"))
  (func (export "tidal_describe") (result i32) (i32.const 0)))
