;; nan: returns the bit patterns of four NaNs (0/0, a propagated payload, f64.min with a signalling NaN, sqrt(-1)) as hex, so the host's NaN canonicalisation can be checked.
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
  ;; {"result":{"div":"…","min":"…","payload":"…","sqrt":"…"}} with 16 hex digits at 18, 43, 72, 98.
  (data (i32.const 256) "{\22result\22:{\22div\22:\220000000000000000\22,\22min\22:\220000000000000000\22,\22payload\22:\220000000000000000\22,\22sqrt\22:\220000000000000000\22}}")
  (func $hex (param $v i64) (param $at i32)
    (local $i i32) (local $n i32)
    (loop $digit
      (local.set $n (i32.wrap_i64 (i64.and (i64.shr_u (local.get $v) (i64.extend_i32_u (i32.sub (i32.const 60) (i32.shl (local.get $i) (i32.const 2))))) (i64.const 15))))
      (i32.store8 (i32.add (local.get $at) (local.get $i))
        (i32.add (local.get $n) (select (i32.const 48) (i32.const 87) (i32.lt_u (local.get $n) (i32.const 10)))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $digit (i32.lt_u (local.get $i) (i32.const 16)))))
  (func (export "tandem_call") (param $ptr i32) (param $len i32) (result i64)
    (local $zero f64)
    ;; 0.0 from the input length, so no compiler can fold the divisions at compile time.
    (local.set $zero (f64.convert_i32_u (i32.sub (local.get $len) (local.get $len))))
    ;; 0/0: x86 gives fff8000000000000, others 7ff8000000000000
    (call $hex (i64.reinterpret_f64 (f64.div (local.get $zero) (local.get $zero))) (i32.const 274))
    ;; signalling NaN into f64.min: returned unchanged on some engines, quieted on others
    (call $hex (i64.reinterpret_f64 (f64.min (f64.reinterpret_i64 (i64.const 0xfff0000000000005)) (f64.add (local.get $zero) (f64.const 1)))) (i32.const 299))
    ;; a quiet NaN with payload 1 through an addition: the payload usually survives
    (call $hex (i64.reinterpret_f64 (f64.add (f64.reinterpret_i64 (i64.const 0x7ff8000000000001)) (f64.add (local.get $zero) (f64.const 1)))) (i32.const 328))
    ;; sqrt(-1)
    (call $hex (i64.reinterpret_f64 (f64.sqrt (f64.sub (local.get $zero) (f64.const 1)))) (i32.const 354))
    (i64.or (i64.shl (i64.const 256) (i64.const 32)) (i64.const 117)))
)
