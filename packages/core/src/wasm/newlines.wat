;; Finding the newlines of a text in WebAssembly, for newlines.ts: line
;; offsets are wanted for every text a knit builds or an annotator diffs,
;; and JavaScript's search (a one-byte string's indexOf per line) runs at
;; about 1.2 GB/s once optimized and far slower before; this loop compares
;; 64 bytes at a time (four SIMD compares into one 64-bit mask) and takes
;; each newline from the mask, from the first call on.
;;
;; Built by scripts/build-wasm.mjs into newlines-wasm.ts (the bytes,
;; committed); a test checks the two agree.
;;
;; ends(at, length, out, base) -> count: for each `\n` among the `length`
;; bytes at `at` in the imported memory, in order, writes the offset just
;; past it as an i32 at `out` (4 bytes each, so `out` needs room for
;; 4 * `length`), counted from `base` at `at`; returns how many it wrote.
(module
  (import "env" "memory" (memory 1))

  (func (export "ends") (param $at i32) (param $length i32) (param $out i32) (param $base i32) (result i32)
    (local $p i32) (local $end i32) (local $o i32) (local $shift i32) (local $mask i64) (local $nl v128)
    (local.set $p (local.get $at))
    (local.set $end (i32.add (local.get $at) (local.get $length)))
    (local.set $o (local.get $out))
    ;; The offset written for a newline at p: p - at + base + 1.
    (local.set $shift (i32.add (i32.sub (local.get $base) (local.get $at)) (i32.const 1)))
    (local.set $nl (i8x16.splat (i32.const 10)))
    (block $blocksDone
      (loop $blocks
        (br_if $blocksDone (i32.gt_u (i32.add (local.get $p) (i32.const 64)) (local.get $end)))
        ;; Bit i of the mask: byte p + i is a newline.
        (local.set $mask
          (i64.or
            (i64.or
              (i64.extend_i32_u (i8x16.bitmask (i8x16.eq (v128.load (local.get $p)) (local.get $nl))))
              (i64.shl (i64.extend_i32_u (i8x16.bitmask (i8x16.eq (v128.load offset=16 (local.get $p)) (local.get $nl)))) (i64.const 16)))
            (i64.or
              (i64.shl (i64.extend_i32_u (i8x16.bitmask (i8x16.eq (v128.load offset=32 (local.get $p)) (local.get $nl)))) (i64.const 32))
              (i64.shl (i64.extend_i32_u (i8x16.bitmask (i8x16.eq (v128.load offset=48 (local.get $p)) (local.get $nl)))) (i64.const 48)))))
        (block $bitsDone
          (loop $bits
            (br_if $bitsDone (i64.eqz (local.get $mask)))
            (i32.store (local.get $o)
              (i32.add (i32.add (local.get $p) (i32.wrap_i64 (i64.ctz (local.get $mask)))) (local.get $shift)))
            (local.set $o (i32.add (local.get $o) (i32.const 4)))
            ;; Clear the lowest set bit.
            (local.set $mask (i64.and (local.get $mask) (i64.sub (local.get $mask) (i64.const 1))))
            (br $bits)))
        (local.set $p (i32.add (local.get $p) (i32.const 64)))
        (br $blocks)))
    ;; The last bytes, fewer than 64, one at a time.
    (block $tailDone
      (loop $tail
        (br_if $tailDone (i32.ge_u (local.get $p) (local.get $end)))
        (if (i32.eq (i32.load8_u (local.get $p)) (i32.const 10))
          (then
            (i32.store (local.get $o) (i32.add (local.get $p) (local.get $shift)))
            (local.set $o (i32.add (local.get $o) (i32.const 4)))))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br $tail)))
    (i32.shr_u (i32.sub (local.get $o) (local.get $out)) (i32.const 2))))
