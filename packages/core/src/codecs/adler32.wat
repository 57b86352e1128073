;; zlib's Adler-32 in WebAssembly, for adler32.ts: a deflate made in pieces
;; (codecs/zlib.ts) sums every byte of its input on the calling thread, and
;; this loop runs about 2.5 times as fast as JavaScript's, whose second sum
;; outgrows a small integer within zlib's 5552-byte runs.
;;
;; Built by scripts/build-wasm.mjs into adler32-wasm.ts (the bytes,
;; committed); a test checks the two agree.
;;
;; sum(at, length, running) -> the Adler-32 of what `running` summed,
;; followed by the `length` bytes at `at` in the imported memory.
(module
  (import "env" "memory" (memory 1))

  (func (export "sum") (param $at i32) (param $length i32) (param $running i32) (result i32)
    (local $a i32) (local $b i32) (local $end i32) (local $runEnd i32)
    (local.set $a (i32.and (local.get $running) (i32.const 0xffff)))
    (local.set $b (i32.shr_u (local.get $running) (i32.const 16)))
    (local.set $end (i32.add (local.get $at) (local.get $length)))
    (block $done
      (loop $runs
        (br_if $done (i32.ge_u (local.get $at) (local.get $end)))
        ;; At most 5552 bytes between reductions: zlib's NMAX, past which b
        ;; could overflow 32 bits.
        (local.set $runEnd (select (local.get $end) (i32.add (local.get $at) (i32.const 5552))
          (i32.lt_u (i32.sub (local.get $end) (local.get $at)) (i32.const 5552))))
        (block $foursDone
          (loop $fours
            (br_if $foursDone (i32.gt_u (i32.add (local.get $at) (i32.const 4)) (local.get $runEnd)))
            (local.set $a (i32.add (local.get $a) (i32.load8_u (local.get $at))))
            (local.set $b (i32.add (local.get $b) (local.get $a)))
            (local.set $a (i32.add (local.get $a) (i32.load8_u offset=1 (local.get $at))))
            (local.set $b (i32.add (local.get $b) (local.get $a)))
            (local.set $a (i32.add (local.get $a) (i32.load8_u offset=2 (local.get $at))))
            (local.set $b (i32.add (local.get $b) (local.get $a)))
            (local.set $a (i32.add (local.get $a) (i32.load8_u offset=3 (local.get $at))))
            (local.set $b (i32.add (local.get $b) (local.get $a)))
            (local.set $at (i32.add (local.get $at) (i32.const 4)))
            (br $fours)))
        (block $onesDone
          (loop $ones
            (br_if $onesDone (i32.ge_u (local.get $at) (local.get $runEnd)))
            (local.set $a (i32.add (local.get $a) (i32.load8_u (local.get $at))))
            (local.set $b (i32.add (local.get $b) (local.get $a)))
            (local.set $at (i32.add (local.get $at) (i32.const 1)))
            (br $ones)))
        (local.set $a (i32.rem_u (local.get $a) (i32.const 65521)))
        (local.set $b (i32.rem_u (local.get $b) (i32.const 65521)))
        (br $runs)))
    (i32.or (i32.shl (local.get $b) (i32.const 16)) (local.get $a))))
