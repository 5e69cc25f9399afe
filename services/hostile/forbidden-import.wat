;; forbidden-import: imports env.clock, which a tandem-v1 module may not do; it must be refused before it runs.
(module
  (import "env" "clock" (func $clock (result i64)))
  (memory (export "memory") 1)
  ;; tandem_alloc: the request always goes at 1024; grow memory so it fits.
  (func (export "tandem_alloc") (param $len i32) (result i32)
    (local $pages i32)
    (local.set $pages
      (i32.sub (i32.shr_u (i32.add (i32.add (local.get $len) (i32.const 1024)) (i32.const 65535)) (i32.const 16))
               (memory.size)))
    (if (i32.gt_s (local.get $pages) (i32.const 0))
      (then (if (i32.lt_s (memory.grow (local.get $pages)) (i32.const 0)) (then unreachable))))
    (i32.const 1024))
  (func (export "tandem_call") (param $ptr i32) (param $len i32) (result i64)
    (call $clock))
)
