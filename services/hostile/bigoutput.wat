;; bigoutput: answers with 64 MiB: method "fill" builds a real {"result":"aaa…"} of 64 MiB; any other method only claims 64 MiB at 65536 while memory is 2 pages.
(module
  (memory (export "memory") 2)
  ;; tandem_alloc: the request always goes at 1024; grow memory so it fits.
  (func (export "tandem_alloc") (param $len i32) (result i32)
    (local $pages i32)
    (local.set $pages
      (i32.sub (i32.shr_u (i32.add (i32.add (local.get $len) (i32.const 1024)) (i32.const 65535)) (i32.const 16))
               (memory.size)))
    (if (i32.gt_s (local.get $pages) (i32.const 0))
      (then (if (i32.lt_s (memory.grow (local.get $pages)) (i32.const 0)) (then unreachable))))
    (i32.const 1024))
  (data (i32.const 256) "{\22result\22:\22")
  (func (export "tandem_call") (param $ptr i32) (param $len i32) (result i64)
    (local $p i32) (local $end i32)
    ;; The request is canonical, so the method name starts at byte 11: {"method":"fill"...
    (if (i32.and (i32.ge_u (local.get $len) (i32.const 16))
                 (i32.eq (i32.load (i32.add (local.get $ptr) (i32.const 11))) (i32.const 0x6c6c6966)))
      (then
        ;; 64 MiB at 65536 needs 1 + 1024 pages; if growing fails, fall through to the claim.
        (if (i32.ge_s (memory.grow (i32.sub (i32.const 1025) (memory.size))) (i32.const 0))
          (then
            (local.set $end (i32.const 0x4010000))   ;; 65536 + 64 MiB
            ;; {"result":" (11 bytes; the 12th copied byte is overwritten by the fill)
            (i64.store (i32.const 65536) (i64.load (i32.const 256)))
            (i32.store (i32.const 65544) (i32.load (i32.const 264)))
            (local.set $p (i32.const 65547))
            (loop $fill
              (i64.store (local.get $p) (i64.const 0x6161616161616161))
              (local.set $p (i32.add (local.get $p) (i32.const 8)))
              (br_if $fill (i32.le_u (local.get $p) (i32.sub (local.get $end) (i32.const 10)))))
            ;; the last, overlapping 8 bytes before the closing "}
            (i64.store (i32.sub (local.get $end) (i32.const 10)) (i64.const 0x6161616161616161))
            (i32.store16 (i32.sub (local.get $end) (i32.const 2)) (i32.const 0x7d22))   ;; "}
            (return (i64.or (i64.shl (i64.const 65536) (i64.const 32)) (i64.const 0x4000000)))))))
    (i64.or (i64.shl (i64.const 65536) (i64.const 32)) (i64.const 0x4000000)))
)
