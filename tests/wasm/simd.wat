;; simd.wat: uses a v128 instruction; wasm2c 1.0.32 cannot translate SIMD, so it is refused.
(module
  (memory (export "memory") 1)
  (func (export "tidal_abi_1"))
  (func (export "tidal_describe") (result i32) (i32.const 0))
  (func (export "tidal_alloc") (param i32) (result i32)
    (i32x4.extract_lane 0 (i32x4.splat (local.get 0)))))
