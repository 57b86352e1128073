;; The groupcompress delta applier in WebAssembly: the same instructions and
;; checks as `runDelta` in delta.ts, over one linear memory that holds the
;; source, the delta and the room for the text. Each instruction is one
;; `memory.copy`; in JavaScript each was a `copyWithin` call costing 60-90 ns,
;; which a block's deltas make about once per 73 bytes of text.
;;
;; Built by scripts/build-wasm.mjs into
;; delta-apply-wasm.ts (the bytes, committed); a test checks the two agree.
;;
;; apply(pos, end, sourceLength, out, targetLength) -> 1 when the instructions
;; at [pos, end) are sound (every copy inside [0, sourceLength), never more
;; than targetLength bytes, exactly that many in the end) and wrote the text at
;; [out, out + targetLength); 0 otherwise (the caller asks delta.ts for the
;; error). The caller keeps every range inside the memory.
(module
  ;; Given by the caller at its full size: growing a memory detaches its old
  ;; buffer, and a detach slows typed arrays process-wide (see wasm-applier.ts).
  (import "env" "memory" (memory 1))
  (func (export "apply")
    (param $pos i32) (param $end i32) (param $sourceLength i32) (param $out i32) (param $target i32)
    (result i32)
    (local $at i32) (local $cmd i32) (local $offset i32) (local $size i32)
    (block $bad
      (loop $next
        (if (i32.ge_u (local.get $pos) (local.get $end))
          (then (return (i32.eq (local.get $at) (local.get $target)))))
        (local.set $cmd (i32.load8_u (local.get $pos)))
        (local.set $pos (i32.add (local.get $pos) (i32.const 1)))
        (if (i32.and (local.get $cmd) (i32.const 0x80))
          (then
            ;; A copy: one operand byte per set bit of the low seven.
            (br_if $bad (i32.gt_u
              (i32.popcnt (i32.and (local.get $cmd) (i32.const 0x7f)))
              (i32.sub (local.get $end) (local.get $pos))))
            (local.set $offset (i32.const 0))
            (local.set $size (i32.const 0))
            (if (i32.and (local.get $cmd) (i32.const 0x01)) (then
              (local.set $offset (i32.load8_u (local.get $pos)))
              (local.set $pos (i32.add (local.get $pos) (i32.const 1)))))
            (if (i32.and (local.get $cmd) (i32.const 0x02)) (then
              (local.set $offset (i32.or (local.get $offset) (i32.shl (i32.load8_u (local.get $pos)) (i32.const 8))))
              (local.set $pos (i32.add (local.get $pos) (i32.const 1)))))
            (if (i32.and (local.get $cmd) (i32.const 0x04)) (then
              (local.set $offset (i32.or (local.get $offset) (i32.shl (i32.load8_u (local.get $pos)) (i32.const 16))))
              (local.set $pos (i32.add (local.get $pos) (i32.const 1)))))
            (if (i32.and (local.get $cmd) (i32.const 0x08)) (then
              (local.set $offset (i32.or (local.get $offset) (i32.shl (i32.load8_u (local.get $pos)) (i32.const 24))))
              (local.set $pos (i32.add (local.get $pos) (i32.const 1)))))
            (if (i32.and (local.get $cmd) (i32.const 0x10)) (then
              (local.set $size (i32.load8_u (local.get $pos)))
              (local.set $pos (i32.add (local.get $pos) (i32.const 1)))))
            (if (i32.and (local.get $cmd) (i32.const 0x20)) (then
              (local.set $size (i32.or (local.get $size) (i32.shl (i32.load8_u (local.get $pos)) (i32.const 8))))
              (local.set $pos (i32.add (local.get $pos) (i32.const 1)))))
            (if (i32.and (local.get $cmd) (i32.const 0x40)) (then
              (local.set $size (i32.or (local.get $size) (i32.shl (i32.load8_u (local.get $pos)) (i32.const 16))))
              (local.set $pos (i32.add (local.get $pos) (i32.const 1)))))
            (if (i32.eqz (local.get $size)) (then (local.set $size (i32.const 0x10000))))
            ;; Unsigned compares: an offset with its top bit set is past any source.
            (br_if $bad (i32.gt_u (local.get $size) (i32.sub (local.get $target) (local.get $at))))
            (br_if $bad (i32.gt_u (local.get $offset) (local.get $sourceLength)))
            (br_if $bad (i32.gt_u (local.get $size) (i32.sub (local.get $sourceLength) (local.get $offset))))
            (memory.copy (i32.add (local.get $out) (local.get $at)) (local.get $offset) (local.get $size))
            (local.set $at (i32.add (local.get $at) (local.get $size))))
          (else
            ;; An insert of `cmd` bytes that follow it; opcode 0 is reserved.
            (br_if $bad (i32.eqz (local.get $cmd)))
            (br_if $bad (i32.gt_u (local.get $cmd) (i32.sub (local.get $end) (local.get $pos))))
            (br_if $bad (i32.gt_u (local.get $cmd) (i32.sub (local.get $target) (local.get $at))))
            (memory.copy (i32.add (local.get $out) (local.get $at)) (local.get $pos) (local.get $cmd))
            (local.set $pos (i32.add (local.get $pos) (local.get $cmd)))
            (local.set $at (i32.add (local.get $at) (local.get $cmd)))))
        (br $next)))
    (i32.const 0)))
