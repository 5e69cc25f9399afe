;; membomb: grows memory one page at a time until memory.grow fails at the host's page cap, then keeps touching every page forever.
(module
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
    (local $addr i32)
    ;; Grow and write into each new page, so the pages are really used.
    (block $full
      (loop $grow
        (br_if $full (i32.lt_s (memory.grow (i32.const 1)) (i32.const 0)))
        (i32.store8 (i32.sub (i32.shl (memory.size) (i32.const 16)) (i32.const 1)) (i32.const 1))
        (br $grow)))
    ;; Then walk all of memory a page at a time, forever.
    (loop $touch
      (local.set $addr (i32.add (local.get $addr) (i32.const 65536)))
      (if (i32.ge_u (local.get $addr) (i32.shl (memory.size) (i32.const 16)))
        (then (local.set $addr (i32.const 0))))
      (i32.store8 (local.get $addr) (i32.add (i32.load8_u (local.get $addr)) (i32.const 1)))
      (br $touch))
    (i64.const 0))
)
