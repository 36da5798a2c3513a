;; bad_import.wat: imports a function other than tidal.log; must be refused, naming it.
(module
  (import "env" "system" (func $sys (param i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "tidal_abi_1"))
  (func (export "tidal_describe") (result i32) (i32.const 0))
  (func (export "tidal_alloc") (param i32) (result i32) (call $sys (i32.const 0))))
