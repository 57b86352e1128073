;; The groupcompress delta maker in WebAssembly: `createDelta` of
;; delta-index.ts (Breezy's create_delta) step for step, so that it makes the
;; same bytes, over an index held in one linear memory (its tables laid out
;; there, its filter and content copied in; see wasm-delta-maker.ts).
;; JavaScript code runs interpreted until V8 has optimized it, which for the
;; delta maker's loop took longer than compressing a small store; this is
;; compiled before its first call.
;;
;; Built by scripts/build-wasm.mjs into
;; delta-make-wasm.ts (the bytes, committed); a test checks the two agree.
;;
;; The memory holds, at fixed places, the rabin tables T (at 0) and U (at
;; 1024), 256 words each, and the index's filter (at 2048, 32768 words); the
;; caller gives where the rest lies:
;;   hash     bucket b's slots are [hash[b], hash[b+1])  (words)
;;   slots    per slot: its window's hash, then its content position (0: free)
;;   src      per slot: which source it came from
;;   sources  per source: its start and end in the content
;;   ref      the group content (position p at ref + p)
;;   target   the text, `top` bytes
;;   out      room for the delta: 2 * top + 64 bytes, or maxSize + 64 when less
;; make(...) -> the delta's length, or -1 when it would pass `maxSize`
;; (0: no limit). Every word is little-endian, as WebAssembly reads it.
(module
  (import "env" "memory" (memory 1))

  ;; One step of the rolling hash: ((val << 8) | c) ^ T[val >>> 23].
  (func $roll (param $val i32) (param $c i32) (result i32)
    (i32.xor
      (i32.or (i32.shl (local.get $val) (i32.const 8)) (local.get $c))
      (i32.load (i32.shl (i32.shr_u (local.get $val) (i32.const 23)) (i32.const 2)))))

  ;; How many bytes from a and b agree, up to max: eight at a time, then one.
  (func $match (param $a i32) (param $b i32) (param $max i32) (result i32)
    (local $m i32) (local $x i64)
    (block $bytes
      (loop $words
        (br_if $bytes (i32.gt_u (i32.add (local.get $m) (i32.const 8)) (local.get $max)))
        (local.set $x (i64.xor
          (i64.load (i32.add (local.get $a) (local.get $m)))
          (i64.load (i32.add (local.get $b) (local.get $m)))))
        (if (i64.ne (local.get $x) (i64.const 0))
          (then (return (i32.add (local.get $m) (i32.wrap_i64 (i64.shr_u (i64.ctz (local.get $x)) (i64.const 3)))))))
        (local.set $m (i32.add (local.get $m) (i32.const 8)))
        (br $words)))
    (block $done
      (loop $one
        (br_if $done (i32.ge_u (local.get $m) (local.get $max)))
        (br_if $done (i32.ne
          (i32.load8_u (i32.add (local.get $a) (local.get $m)))
          (i32.load8_u (i32.add (local.get $b) (local.get $m)))))
        (local.set $m (i32.add (local.get $m) (i32.const 1)))
        (br $one)))
    (local.get $m))

  ;; A copy instruction at `at` (an address): offset bytes 0-3, length bytes
  ;; 0-1, each written only when not zero. Returns the address after it.
  (func $copyOp (param $at i32) (param $offset i32) (param $length i32) (result i32)
    (local $op i32) (local $cmd i32) (local $byte i32)
    (local.set $op (local.get $at))
    (local.set $at (i32.add (local.get $at) (i32.const 1)))
    (local.set $cmd (i32.const 0x80))
    (local.set $byte (i32.and (local.get $offset) (i32.const 0xff)))
    (if (local.get $byte) (then
      (i32.store8 (local.get $at) (local.get $byte))
      (local.set $at (i32.add (local.get $at) (i32.const 1)))
      (local.set $cmd (i32.or (local.get $cmd) (i32.const 0x01)))))
    (local.set $byte (i32.and (i32.shr_u (local.get $offset) (i32.const 8)) (i32.const 0xff)))
    (if (local.get $byte) (then
      (i32.store8 (local.get $at) (local.get $byte))
      (local.set $at (i32.add (local.get $at) (i32.const 1)))
      (local.set $cmd (i32.or (local.get $cmd) (i32.const 0x02)))))
    (local.set $byte (i32.and (i32.shr_u (local.get $offset) (i32.const 16)) (i32.const 0xff)))
    (if (local.get $byte) (then
      (i32.store8 (local.get $at) (local.get $byte))
      (local.set $at (i32.add (local.get $at) (i32.const 1)))
      (local.set $cmd (i32.or (local.get $cmd) (i32.const 0x04)))))
    (local.set $byte (i32.shr_u (local.get $offset) (i32.const 24)))
    (if (local.get $byte) (then
      (i32.store8 (local.get $at) (local.get $byte))
      (local.set $at (i32.add (local.get $at) (i32.const 1)))
      (local.set $cmd (i32.or (local.get $cmd) (i32.const 0x08)))))
    (local.set $byte (i32.and (local.get $length) (i32.const 0xff)))
    (if (local.get $byte) (then
      (i32.store8 (local.get $at) (local.get $byte))
      (local.set $at (i32.add (local.get $at) (i32.const 1)))
      (local.set $cmd (i32.or (local.get $cmd) (i32.const 0x10)))))
    (local.set $byte (i32.and (i32.shr_u (local.get $length) (i32.const 8)) (i32.const 0xff)))
    (if (local.get $byte) (then
      (i32.store8 (local.get $at) (local.get $byte))
      (local.set $at (i32.add (local.get $at) (i32.const 1)))
      (local.set $cmd (i32.or (local.get $cmd) (i32.const 0x20)))))
    (i32.store8 (local.get $op) (local.get $cmd))
    (local.get $at))

;; The index entries of a fulltext at ref + start, as delta-index.ts's
  ;; `hashWindows` makes them: the 16-byte windows ending every `stride`
  ;; bytes (`numEntries` of them), from the last down; each window's end
  ;; position (past `start`) goes to ptr and its hash to val, but a window
  ;; hashing as the one above it only moves that entry down (the lowest of a
  ;; run is kept). Returns how many entries.
  (func (export "hashSource")
    (param $ref i32) (param $start i32) (param $numEntries i32) (param $stride i32)
    (param $ptr i32) (param $val i32)
    (result i32)
    (local $d i32) (local $n i32) (local $prev i32) (local $v i32) (local $at i32) (local $stop i32)
    (local.set $prev (i32.const -1))
    (local.set $d (i32.sub (i32.mul (local.get $numEntries) (local.get $stride)) (i32.const 16)))
    (block $done
      (loop $windows
        (br_if $done (i32.lt_s (local.get $d) (i32.const 0)))
        ;; The window's bytes: ref + start + d + 1 up to 16 more.
        (local.set $at (i32.add (i32.add (local.get $ref) (local.get $start)) (i32.add (local.get $d) (i32.const 1))))
        (local.set $stop (i32.add (local.get $at) (i32.const 16)))
        (local.set $v (i32.const 0))
        (block $hashed
          (loop $bytes
            (br_if $hashed (i32.ge_u (local.get $at) (local.get $stop)))
            (local.set $v (call $roll (local.get $v) (i32.load8_u (local.get $at))))
            (local.set $at (i32.add (local.get $at) (i32.const 1)))
            (br $bytes)))
        (if (i32.eq (local.get $v) (local.get $prev))
          (then
            (i32.store (i32.sub (i32.add (local.get $ptr) (i32.shl (local.get $n) (i32.const 2))) (i32.const 4))
              (i32.add (i32.add (local.get $start) (local.get $d)) (i32.const 16))))
          (else
            (local.set $prev (local.get $v))
            (i32.store (i32.add (local.get $ptr) (i32.shl (local.get $n) (i32.const 2)))
              (i32.add (i32.add (local.get $start) (local.get $d)) (i32.const 16)))
            (i32.store (i32.add (local.get $val) (i32.shl (local.get $n) (i32.const 2))) (local.get $v))
            (local.set $n (i32.add (local.get $n) (i32.const 1)))))
        (local.set $d (i32.sub (local.get $d) (local.get $stride)))
        (br $windows)))
    (local.get $n))

  ;; The index entries of a delta at ref + [start, end), as delta-index.ts's
  ;; `hashDeltaInserts` makes them: past its length header, each insert
  ;; longer than 19 bytes gives a window every 16 bytes (a run of equal
  ;; hashes gives one), at most maxEntries + 1 in all; its end position goes
  ;; to ptr and its hash to val. Returns how many, or -1 when the delta's
  ;; instructions do not end at its end.
  (func (export "hashDelta")
    (param $ref i32) (param $start i32) (param $end i32) (param $maxEntries i32)
    (param $ptr i32) (param $val i32)
    (result i32)
    (local $data i32) (local $top i32) (local $c i32) (local $cmd i32) (local $bit i32)
    (local $n i32) (local $prev i32) (local $v i32) (local $at i32) (local $stop i32) (local $buf i32)
    (local.set $buf (i32.add (local.get $ref) (local.get $start)))
    (local.set $top (i32.sub (local.get $end) (local.get $start)))
    (local.set $prev (i32.const -1))
    ;; The target-length header, seven bits a byte.
    (block $headerDone
      (loop $header
        (local.set $c (i32.load8_u (i32.add (local.get $buf) (local.get $data))))
        (local.set $data (i32.add (local.get $data) (i32.const 1)))
        (br_if $headerDone (i32.eqz (i32.and (local.get $c) (i32.const 0x80))))
        (br_if $headerDone (i32.ge_s (local.get $data) (local.get $top)))
        (br $header)))
    (block $done
      (loop $instructions
        (br_if $done (i32.ge_s (local.get $data) (local.get $top)))
        (local.set $cmd (i32.load8_u (i32.add (local.get $buf) (local.get $data))))
        (local.set $data (i32.add (local.get $data) (i32.const 1)))
        (if (i32.and (local.get $cmd) (i32.const 0x80))
          (then
            ;; A copy: one byte per offset and length bit set.
            (local.set $bit (i32.const 1))
            (block $bitsDone
              (loop $bits
                (br_if $bitsDone (i32.gt_u (local.get $bit) (i32.const 0x40)))
                (if (i32.and (local.get $cmd) (local.get $bit))
                  (then (local.set $data (i32.add (local.get $data) (i32.const 1)))))
                (local.set $bit (i32.shl (local.get $bit) (i32.const 1)))
                (br $bits))))
          (else
            (br_if $done (i32.eqz (local.get $cmd)))
            (br_if $done (i32.gt_s (i32.add (local.get $data) (local.get $cmd)) (local.get $top)))
            (block $windowsDone
              (loop $windows
                (br_if $windowsDone (i32.le_s (local.get $cmd) (i32.const 19)))
                (local.set $at (i32.add (local.get $buf) (i32.add (local.get $data) (i32.const 1))))
                (local.set $stop (i32.add (local.get $at) (i32.const 16)))
                (local.set $v (i32.const 0))
                (block $hashed
                  (loop $bytes
                    (br_if $hashed (i32.ge_u (local.get $at) (local.get $stop)))
                    (local.set $v (call $roll (local.get $v) (i32.load8_u (local.get $at))))
                    (local.set $at (i32.add (local.get $at) (i32.const 1)))
                    (br $bytes)))
                (if (i32.ne (local.get $v) (local.get $prev))
                  (then
                    (local.set $prev (local.get $v))
                    (i32.store (i32.add (local.get $ptr) (i32.shl (local.get $n) (i32.const 2)))
                      (i32.add (i32.add (local.get $start) (local.get $data)) (i32.const 16)))
                    (i32.store (i32.add (local.get $val) (i32.shl (local.get $n) (i32.const 2))) (local.get $v))
                    (local.set $n (i32.add (local.get $n) (i32.const 1)))
                    (br_if $windowsDone (i32.gt_s (local.get $n) (local.get $maxEntries)))))
                (local.set $cmd (i32.sub (local.get $cmd) (i32.const 16)))
                (local.set $data (i32.add (local.get $data) (i32.const 16)))
                (br $windows)))
            (local.set $data (i32.add (local.get $data) (local.get $cmd)))))
        (br $instructions)))
    (if (i32.ne (local.get $data) (local.get $top)) (then (return (i32.const -1))))
    (local.get $n))

  ;; A new table, as delta-index.ts's `layOut` lays it out: per bucket b of
  ;; `hsize`, the entries of the old table's bucket b & oldMask that hash to
  ;; b (all of them when the sizes agree), then the new entries chained from
  ;; head[b] through next (positions in ptr, hashes in val, all of source
  ;; `newSrc`), then `spare` free slots; hash[hsize] ends the last bucket.
  ;; With no old table, `oldHash` points at two zero words. Returns the slots
  ;; laid out.
  (func (export "layOut")
    (param $hash i32) (param $slots i32) (param $src i32) (param $hsize i32)
    (param $oldHash i32) (param $oldSlots i32) (param $oldSrc i32) (param $oldMask i32)
    (param $head i32) (param $next i32) (param $ptr i32) (param $val i32) (param $newSrc i32)
    (param $spare i32)
    (result i32)
    (local $b i32) (local $pos i32) (local $e i32) (local $last i32) (local $at i32)
    (local $v i32) (local $hmask i32) (local $sameSize i32) (local $j i32) (local $k i32)
    (local.set $hmask (i32.sub (local.get $hsize) (i32.const 1)))
    (local.set $sameSize (i32.eq (local.get $oldMask) (local.get $hmask)))
    (block $bucketsDone
      (loop $buckets
        (br_if $bucketsDone (i32.ge_u (local.get $b) (local.get $hsize)))
        (i32.store (i32.add (local.get $hash) (i32.shl (local.get $b) (i32.const 2))) (local.get $pos))
        ;; The old bucket's entries, up to its first free slot.
        (local.set $j (i32.shl (i32.and (local.get $b) (local.get $oldMask)) (i32.const 2)))
        (local.set $e (i32.load (i32.add (local.get $oldHash) (local.get $j))))
        (local.set $last (i32.load offset=4 (i32.add (local.get $oldHash) (local.get $j))))
        (block $oldDone
          (loop $old
            (br_if $oldDone (i32.ge_s (local.get $e) (local.get $last)))
            (local.set $at (i32.load offset=4 (i32.add (local.get $oldSlots) (i32.shl (local.get $e) (i32.const 3)))))
            (br_if $oldDone (i32.eqz (local.get $at)))
            (local.set $v (i32.load (i32.add (local.get $oldSlots) (i32.shl (local.get $e) (i32.const 3)))))
            (if (i32.or (local.get $sameSize) (i32.eq (i32.and (local.get $v) (local.get $hmask)) (local.get $b)))
              (then
                (i32.store (i32.add (local.get $slots) (i32.shl (local.get $pos) (i32.const 3))) (local.get $v))
                (i32.store offset=4 (i32.add (local.get $slots) (i32.shl (local.get $pos) (i32.const 3))) (local.get $at))
                (i32.store (i32.add (local.get $src) (i32.shl (local.get $pos) (i32.const 2)))
                  (i32.load (i32.add (local.get $oldSrc) (i32.shl (local.get $e) (i32.const 2)))))
                (local.set $pos (i32.add (local.get $pos) (i32.const 1)))))
            (local.set $e (i32.add (local.get $e) (i32.const 1)))
            (br $old)))
        ;; The new entries of the bucket, in chain order.
        (local.set $e (i32.load (i32.add (local.get $head) (i32.shl (local.get $b) (i32.const 2)))))
        (block $newDone
          (loop $new
            (br_if $newDone (i32.lt_s (local.get $e) (i32.const 0)))
            (i32.store (i32.add (local.get $slots) (i32.shl (local.get $pos) (i32.const 3)))
              (i32.load (i32.add (local.get $val) (i32.shl (local.get $e) (i32.const 2)))))
            (i32.store offset=4 (i32.add (local.get $slots) (i32.shl (local.get $pos) (i32.const 3)))
              (i32.load (i32.add (local.get $ptr) (i32.shl (local.get $e) (i32.const 2)))))
            (i32.store (i32.add (local.get $src) (i32.shl (local.get $pos) (i32.const 2))) (local.get $newSrc))
            (local.set $pos (i32.add (local.get $pos) (i32.const 1)))
            (local.set $e (i32.load (i32.add (local.get $next) (i32.shl (local.get $e) (i32.const 2)))))
            (br $new)))
        ;; Free slots: hash and position zero.
        (local.set $k (i32.const 0))
        (block $spareDone
          (loop $spares
            (br_if $spareDone (i32.ge_u (local.get $k) (local.get $spare)))
            (i64.store (i32.add (local.get $slots) (i32.shl (local.get $pos) (i32.const 3))) (i64.const 0))
            (local.set $pos (i32.add (local.get $pos) (i32.const 1)))
            (local.set $k (i32.add (local.get $k) (i32.const 1)))
            (br $spares)))
        (local.set $b (i32.add (local.get $b) (i32.const 1)))
        (br $buckets)))
    (i32.store (i32.add (local.get $hash) (i32.shl (local.get $hsize) (i32.const 2))) (local.get $pos))
    (local.get $pos))

  (func (export "make")
    (param $hash i32) (param $slots i32) (param $src i32) (param $sources i32) (param $ref i32)
    (param $target i32) (param $top i32) (param $out i32) (param $maxSize i32) (param $hashMask i32)
    (result i32)
    (local $outsize i32) (local $outpos i32) (local $data i32) (local $val i32) (local $inscnt i32)
    (local $moff i32) (local $msize i32) (local $mstart i32) (local $bit i32) (local $b i32)
    (local $e i32) (local $end i32) (local $ref0 i32) (local $s i32) (local $refSize i32)
    (local $m i32) (local $left i32) (local $n i32) (local $c i32) (local $j i32)
    (local.set $outsize (i32.const 8192))
    (if (i32.and (i32.ne (local.get $maxSize) (i32.const 0)) (i32.ge_u (local.get $outsize) (local.get $maxSize)))
      (then (local.set $outsize (i32.add (local.get $maxSize) (i32.const 35)))))
    ;; The target's length, seven bits a byte, low first.
    (local.set $n (local.get $top))
    (block $lengthDone
      (loop $length
        (br_if $lengthDone (i32.lt_u (local.get $n) (i32.const 0x80)))
        (i32.store8 (i32.add (local.get $out) (local.get $outpos))
          (i32.or (i32.and (local.get $n) (i32.const 0x7f)) (i32.const 0x80)))
        (local.set $outpos (i32.add (local.get $outpos) (i32.const 1)))
        (local.set $n (i32.shr_u (local.get $n) (i32.const 7)))
        (br $length)))
    (i32.store8 (i32.add (local.get $out) (local.get $outpos)) (local.get $n))
    ;; ... and past the first insert's length byte, its first 16 bytes.
    (local.set $outpos (i32.add (local.get $outpos) (i32.const 2)))
    (block $firstDone
      (loop $first
        (br_if $firstDone (i32.ge_u (local.get $inscnt) (i32.const 16)))
        (br_if $firstDone (i32.ge_u (local.get $data) (local.get $top)))
        (local.set $c (i32.load8_u (i32.add (local.get $target) (local.get $data))))
        (i32.store8 (i32.add (local.get $out) (local.get $outpos)) (local.get $c))
        (local.set $outpos (i32.add (local.get $outpos) (i32.const 1)))
        (local.set $val (call $roll (local.get $val) (local.get $c)))
        (local.set $inscnt (i32.add (local.get $inscnt) (i32.const 1)))
        (local.set $data (i32.add (local.get $data) (i32.const 1)))
        (br $first)))

    (block $exit
      (loop $main
        (br_if $exit (i32.ge_u (local.get $data) (local.get $top)))
        (if (i32.lt_s (local.get $msize) (i32.const 4096))
          (then
            ;; Roll the window on by one byte, then look in its bucket.
            (local.set $val (i32.xor (local.get $val)
              (i32.load (i32.add (i32.const 1024)
                (i32.shl (i32.load8_u (i32.sub (i32.add (local.get $target) (local.get $data)) (i32.const 16))) (i32.const 2))))))
            (local.set $val (call $roll (local.get $val) (i32.load8_u (i32.add (local.get $target) (local.get $data)))))
            (local.set $bit (i32.shr_u (local.get $val) (i32.const 12)))
            (local.set $b (i32.and (local.get $val) (local.get $hashMask)))
            (local.set $end (i32.const 0))
            (if (i32.and (i32.const 1) (i32.shr_u
                  (i32.load (i32.add (i32.const 2048) (i32.shl (i32.shr_u (local.get $bit) (i32.const 5)) (i32.const 2))))
                  (i32.and (local.get $bit) (i32.const 31))))
              (then (local.set $end (i32.shl (i32.load (i32.add (local.get $hash) (i32.shl (i32.add (local.get $b) (i32.const 1)) (i32.const 2)))) (i32.const 1)))))
            (local.set $e (i32.shl (i32.load (i32.add (local.get $hash) (i32.shl (local.get $b) (i32.const 2)))) (i32.const 1)))
            (block $scanDone
              (loop $scan
                (br_if $scanDone (i32.ge_s (local.get $e) (local.get $end)))
                (local.set $ref0 (i32.load (i32.add (local.get $slots) (i32.shl (i32.add (local.get $e) (i32.const 1)) (i32.const 2)))))
                (br_if $scanDone (i32.eqz (local.get $ref0)))
                (if (i32.eq (i32.load (i32.add (local.get $slots) (i32.shl (local.get $e) (i32.const 2)))) (local.get $val))
                  (then
                    (local.set $s (i32.add (local.get $sources)
                      (i32.shl (i32.load (i32.add (local.get $src) (i32.shl (i32.shr_u (local.get $e) (i32.const 1)) (i32.const 2)))) (i32.const 3))))
                    (local.set $refSize (i32.sub (i32.load offset=4 (local.get $s)) (local.get $ref0)))
                    (if (i32.gt_s (local.get $refSize) (i32.sub (local.get $top) (local.get $data)))
                      (then (local.set $refSize (i32.sub (local.get $top) (local.get $data)))))
                    (br_if $scanDone (i32.le_s (local.get $refSize) (local.get $msize)))
                    (local.set $m (call $match
                      (i32.add (local.get $target) (local.get $data))
                      (i32.add (local.get $ref) (local.get $ref0))
                      (local.get $refSize)))
                    (if (i32.lt_s (local.get $msize) (local.get $m))
                      (then
                        (local.set $msize (local.get $m))
                        (local.set $mstart (i32.load (local.get $s)))
                        (local.set $moff (local.get $ref0))
                        (br_if $scanDone (i32.ge_s (local.get $msize) (i32.const 4096)))))))
                (local.set $e (i32.add (local.get $e) (i32.const 2)))
                (br $scan)))))

        (if (i32.lt_s (local.get $msize) (i32.const 4))
          (then
            ;; No match worth a copy: the byte goes to the insert under way.
            (if (i32.eqz (local.get $inscnt)) (then (local.set $outpos (i32.add (local.get $outpos) (i32.const 1)))))
            (i32.store8 (i32.add (local.get $out) (local.get $outpos)) (i32.load8_u (i32.add (local.get $target) (local.get $data))))
            (local.set $outpos (i32.add (local.get $outpos) (i32.const 1)))
            (local.set $data (i32.add (local.get $data) (i32.const 1)))
            (local.set $inscnt (i32.add (local.get $inscnt) (i32.const 1)))
            (if (i32.eq (local.get $inscnt) (i32.const 0x7f))
              (then
                (i32.store8 (i32.sub (i32.sub (i32.add (local.get $out) (local.get $outpos)) (local.get $inscnt)) (i32.const 1)) (local.get $inscnt))
                (local.set $inscnt (i32.const 0))))
            (local.set $msize (i32.const 0)))
          (else
            (if (local.get $inscnt)
              (then
                ;; The match may reach back into the insert under way.
                (block $backDone
                  (loop $back
                    (br_if $backDone (i32.le_s (local.get $moff) (local.get $mstart)))
                    (br_if $backDone (i32.ne
                      (i32.load8_u (i32.sub (i32.add (local.get $ref) (local.get $moff)) (i32.const 1)))
                      (i32.load8_u (i32.sub (i32.add (local.get $target) (local.get $data)) (i32.const 1)))))
                    (local.set $msize (i32.add (local.get $msize) (i32.const 1)))
                    (local.set $moff (i32.sub (local.get $moff) (i32.const 1)))
                    (local.set $data (i32.sub (local.get $data) (i32.const 1)))
                    (local.set $outpos (i32.sub (local.get $outpos) (i32.const 1)))
                    (local.set $inscnt (i32.sub (local.get $inscnt) (i32.const 1)))
                    (br_if $back (local.get $inscnt))
                    ;; The insert is gone, and its length byte with it.
                    (local.set $outpos (i32.sub (local.get $outpos) (i32.const 1)))
                    (local.set $inscnt (i32.const -1))))
                (if (i32.gt_s (local.get $inscnt) (i32.const 0))
                  (then (i32.store8 (i32.sub (i32.sub (i32.add (local.get $out) (local.get $outpos)) (local.get $inscnt)) (i32.const 1)) (local.get $inscnt))))
                (local.set $inscnt (i32.const 0))))
            ;; A copy of at most 64 KiB; the rest of the match is the next copy.
            (local.set $left (select (i32.const 0) (i32.sub (local.get $msize) (i32.const 0x10000))
              (i32.lt_s (local.get $msize) (i32.const 0x10000))))
            (local.set $msize (i32.sub (local.get $msize) (local.get $left)))
            (local.set $outpos (i32.sub
              (call $copyOp (i32.add (local.get $out) (local.get $outpos)) (local.get $moff) (local.get $msize))
              (local.get $out)))
            (local.set $data (i32.add (local.get $data) (local.get $msize)))
            (local.set $moff (i32.add (local.get $moff) (local.get $msize)))
            (local.set $msize (local.get $left))
            (if (i32.lt_s (local.get $msize) (i32.const 4096))
              (then
                (local.set $val (i32.const 0))
                (local.set $j (i32.sub (i32.add (local.get $target) (local.get $data)) (i32.const 16)))
                (block $rehashDone
                  (loop $rehash
                    (br_if $rehashDone (i32.ge_u (local.get $j) (i32.add (local.get $target) (local.get $data))))
                    (local.set $val (call $roll (local.get $val) (i32.load8_u (local.get $j))))
                    (local.set $j (i32.add (local.get $j) (i32.const 1)))
                    (br $rehash)))))))

        ;; The output limit moves as the delta grows; past `maxSize`, stop.
        (if (i32.ge_s (local.get $outpos) (i32.sub (local.get $outsize) (i32.const 34)))
          (then
            (local.set $outsize (i32.div_u (i32.mul (local.get $outsize) (i32.const 3)) (i32.const 2)))
            (if (i32.and (i32.ne (local.get $maxSize) (i32.const 0)) (i32.ge_u (local.get $outsize) (local.get $maxSize)))
              (then (local.set $outsize (i32.add (local.get $maxSize) (i32.const 35)))))
            (br_if $exit (i32.and (i32.ne (local.get $maxSize) (i32.const 0)) (i32.gt_s (local.get $outpos) (local.get $maxSize))))))
        (br $main)))

    (if (local.get $inscnt)
      (then (i32.store8 (i32.sub (i32.sub (i32.add (local.get $out) (local.get $outpos)) (local.get $inscnt)) (i32.const 1)) (local.get $inscnt))))
    (if (i32.and (i32.ne (local.get $maxSize) (i32.const 0)) (i32.gt_s (local.get $outpos) (local.get $maxSize)))
      (then (return (i32.const -1))))
    (local.get $outpos)))
