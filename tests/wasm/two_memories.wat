;; two_memories.wat: declares two memories (multi-memory); must be refused.
(module
  (memory (export "memory") 1)
  (memory $b 1)
  (func (export "tidal_abi_1"))
  (func (export "tidal_describe") (result i32) (i32.const 0))
  (func (export "tidal_alloc") (param i32) (result i32) (i32.const 0)))
