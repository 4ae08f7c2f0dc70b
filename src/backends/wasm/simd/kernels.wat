;; tear-ssl's SIMD kernels for the tfjs wasm backend (WebAssembly 128-bit SIMD).
;;
;; The module imports tfjs-backend-wasm's own memory ("env" "memory"), so it reads and writes tensors
;; in place: every pointer argument is a byte offset into that heap (a tensor's `memoryOffset`).
;; scripts/buildWasmKernels.ts compiles this file with wabt into simdKernelsBinary.ts, once as written
;; and once with a shared memory (tfjs-backend-wasm's threaded build); a test checks that the committed
;; binary is this file's. Each kernel gives the same bits as the JavaScript loop it replaces
;; (src/backends/wasm/kernels/), which stays as the fallback where SIMD or the memory import is missing.
(module
  (import "env" "memory" (memory 1))

  ;; dx of a 2×2 / stride-2 max pool whose windows lie inside the input (no padding), x and dx
  ;; [n, h, w, c], dy [n, ho, wo, c], c a multiple of 4. For each window and channel dy goes to the first
  ;; of x00, x01, x10, x11 (row-major) holding the strict maximum above −∞ (as dy + 0), the others get +0; a window of
  ;; −∞ and NaN only gets +0 everywhere. Elements no window covers (odd h or w) are not written: the
  ;; caller zeroes them.
  (func (export "maxPoolGrad2x2")
    (param $x i32) (param $dy i32) (param $dx i32)
    (param $n i32) (param $h i32) (param $w i32) (param $c i32) (param $ho i32) (param $wo i32)
    (local $img i32) (local $p i32) (local $q i32) (local $k i32)
    (local $window i32) (local $at i32) (local $g i32) (local $cb i32) (local $rb i32) (local $rowStart i32)
    (local $v00 v128) (local $v01 v128) (local $v10 v128) (local $v11 v128) (local $best v128)
    (local $m0 v128) (local $c1 v128) (local $c2 v128) (local $c3 v128) (local $d v128) (local $ninf v128) (local $zero v128)
    (local.set $zero (f32x4.splat (f32.const 0)))
    (local.set $cb (i32.shl (local.get $c) (i32.const 2)))  ;; bytes per pixel
    (local.set $rb (i32.mul (local.get $w) (local.get $cb))) ;; bytes per image row
    (local.set $ninf (f32x4.splat (f32.const -inf)))
    (local.set $g (local.get $dy))
    (local.set $img (i32.const 0))
    (block $imgEnd (loop $imgLoop
      (br_if $imgEnd (i32.ge_u (local.get $img) (local.get $n)))
      (local.set $p (i32.const 0))
      (block $pEnd (loop $pLoop
        (br_if $pEnd (i32.ge_u (local.get $p) (local.get $ho)))
        ;; byte offset of row 2p of image img
        (local.set $rowStart (i32.mul
          (i32.add (i32.mul (local.get $img) (local.get $h)) (i32.shl (local.get $p) (i32.const 1)))
          (local.get $rb)))
        (local.set $q (i32.const 0))
        (block $qEnd (loop $qLoop
          (br_if $qEnd (i32.ge_u (local.get $q) (local.get $wo)))
          (local.set $window (i32.add (local.get $rowStart)
            (i32.mul (i32.shl (local.get $q) (i32.const 1)) (local.get $cb))))
          (local.set $k (i32.const 0))
          (block $kEnd (loop $kLoop
            (br_if $kEnd (i32.ge_u (local.get $k) (local.get $cb)))
            (local.set $at (i32.add (local.get $window) (local.get $k)))
            (local.set $v00 (v128.load (i32.add (local.get $x) (local.get $at))))
            (local.set $v01 (v128.load (i32.add (i32.add (local.get $x) (local.get $at)) (local.get $cb))))
            (local.set $v10 (v128.load (i32.add (i32.add (local.get $x) (local.get $at)) (local.get $rb))))
            (local.set $v11 (v128.load (i32.add (i32.add (i32.add (local.get $x) (local.get $at)) (local.get $rb)) (local.get $cb))))
            ;; running strict maximum from −∞: m0 = x00 taken, c1..c3 = a later element beats the best so far
            (local.set $m0 (f32x4.gt (local.get $v00) (local.get $ninf)))
            (local.set $best (v128.bitselect (local.get $v00) (local.get $ninf) (local.get $m0)))
            (local.set $c1 (f32x4.gt (local.get $v01) (local.get $best)))
            (local.set $best (v128.bitselect (local.get $v01) (local.get $best) (local.get $c1)))
            (local.set $c2 (f32x4.gt (local.get $v10) (local.get $best)))
            (local.set $best (v128.bitselect (local.get $v10) (local.get $best) (local.get $c2)))
            (local.set $c3 (f32x4.gt (local.get $v11) (local.get $best)))
            ;; the winner is the last that beat the best: x11 if c3, else x10 if c2, else x01 if c1, else x00 if m0
            ;; dy + 0: −0 becomes +0, as when the JavaScript loop and the cpu backend add dy into a zeroed dx
            (local.set $d (f32x4.add (v128.load (i32.add (local.get $g) (local.get $k))) (local.get $zero)))
            (v128.store (i32.add (i32.add (i32.add (local.get $dx) (local.get $at)) (local.get $rb)) (local.get $cb))
              (v128.and (local.get $d) (local.get $c3)))
            (local.set $d (v128.andnot (local.get $d) (local.get $c3)))
            (v128.store (i32.add (i32.add (local.get $dx) (local.get $at)) (local.get $rb))
              (v128.and (local.get $d) (local.get $c2)))
            (local.set $d (v128.andnot (local.get $d) (local.get $c2)))
            (v128.store (i32.add (i32.add (local.get $dx) (local.get $at)) (local.get $cb))
              (v128.and (local.get $d) (local.get $c1)))
            (local.set $d (v128.andnot (local.get $d) (local.get $c1)))
            (v128.store (i32.add (local.get $dx) (local.get $at))
              (v128.and (local.get $d) (local.get $m0)))
            (local.set $k (i32.add (local.get $k) (i32.const 16)))
            (br $kLoop)))
          (local.set $g (i32.add (local.get $g) (local.get $cb)))
          (local.set $q (i32.add (local.get $q) (i32.const 1)))
          (br $qLoop)))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br $pLoop)))
      (local.set $img (i32.add (local.get $img) (i32.const 1)))
      (br $imgLoop)))
  )

  ;; Column sums of x viewed as [rows, cols] (cols a multiple of 4) into float32 out[cols]:
  ;; out[r] = f32((Σ_m x[m, r]) · scale), the sum in float64 fed four rows at a time, each group added
  ;; as ((x0 + x1) + x2) + x3 before it joins the running sum, then the leftover rows one by one: the
  ;; order of the JavaScript loop, so the same bits. acc is scratch space of 8·cols bytes (float64).
  (func (export "columnSums")
    (param $x i32) (param $out i32) (param $acc i32) (param $rows i32) (param $cols i32) (param $scale f64)
    (local $m i32) (local $r i32) (local $rowBytes i32) (local $src i32) (local $a i32)
    (local $s0 v128) (local $s1 v128) (local $s2 v128) (local $s3 v128) (local $lo v128) (local $hi v128)
    (local.set $rowBytes (i32.shl (local.get $cols) (i32.const 2)))
    ;; acc = 0
    (memory.fill (local.get $acc) (i32.const 0) (i32.shl (local.get $cols) (i32.const 3)))
    (local.set $m (i32.const 0))
    (block $groupsEnd (loop $groups
      (br_if $groupsEnd (i32.gt_u (i32.add (local.get $m) (i32.const 4)) (local.get $rows)))
      (local.set $src (i32.add (local.get $x) (i32.mul (local.get $m) (local.get $rowBytes))))
      (local.set $r (i32.const 0))
      (block $colsEnd (loop $colsLoop
        (br_if $colsEnd (i32.ge_u (local.get $r) (local.get $rowBytes)))
        (local.set $s0 (v128.load (i32.add (local.get $src) (local.get $r))))
        (local.set $s1 (v128.load (i32.add (i32.add (local.get $src) (local.get $r)) (local.get $rowBytes))))
        (local.set $s2 (v128.load (i32.add (i32.add (local.get $src) (local.get $r)) (i32.shl (local.get $rowBytes) (i32.const 1)))))
        (local.set $s3 (v128.load (i32.add (i32.add (local.get $src) (local.get $r)) (i32.mul (local.get $rowBytes) (i32.const 3)))))
        (local.set $a (i32.add (local.get $acc) (i32.shl (local.get $r) (i32.const 1))))
        ;; lanes 0, 1
        (local.set $lo (f64x2.add (f64x2.add (f64x2.add
          (f64x2.promote_low_f32x4 (local.get $s0)) (f64x2.promote_low_f32x4 (local.get $s1)))
          (f64x2.promote_low_f32x4 (local.get $s2))) (f64x2.promote_low_f32x4 (local.get $s3))))
        (v128.store (local.get $a) (f64x2.add (v128.load (local.get $a)) (local.get $lo)))
        ;; lanes 2, 3 (moved down first)
        (local.set $hi (f64x2.add (f64x2.add (f64x2.add
          (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $s0) (local.get $s0)))
          (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $s1) (local.get $s1))))
          (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $s2) (local.get $s2))))
          (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $s3) (local.get $s3)))))
        (v128.store (i32.add (local.get $a) (i32.const 16)) (f64x2.add (v128.load (i32.add (local.get $a) (i32.const 16))) (local.get $hi)))
        (local.set $r (i32.add (local.get $r) (i32.const 16)))
        (br $colsLoop)))
      (local.set $m (i32.add (local.get $m) (i32.const 4)))
      (br $groups)))
    ;; leftover rows
    (block $restEnd (loop $rest
      (br_if $restEnd (i32.ge_u (local.get $m) (local.get $rows)))
      (local.set $src (i32.add (local.get $x) (i32.mul (local.get $m) (local.get $rowBytes))))
      (local.set $r (i32.const 0))
      (block $colsEnd2 (loop $colsLoop2
        (br_if $colsEnd2 (i32.ge_u (local.get $r) (local.get $rowBytes)))
        (local.set $s0 (v128.load (i32.add (local.get $src) (local.get $r))))
        (local.set $a (i32.add (local.get $acc) (i32.shl (local.get $r) (i32.const 1))))
        (v128.store (local.get $a) (f64x2.add (v128.load (local.get $a)) (f64x2.promote_low_f32x4 (local.get $s0))))
        (v128.store (i32.add (local.get $a) (i32.const 16)) (f64x2.add (v128.load (i32.add (local.get $a) (i32.const 16)))
          (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $s0) (local.get $s0)))))
        (local.set $r (i32.add (local.get $r) (i32.const 16)))
        (br $colsLoop2)))
      (local.set $m (i32.add (local.get $m) (i32.const 1)))
      (br $rest)))
    ;; out = f32(acc · scale)
    (local.set $r (i32.const 0))
    (block $outEnd (loop $outLoop
      (br_if $outEnd (i32.ge_u (local.get $r) (local.get $cols)))
      (f32.store (i32.add (local.get $out) (i32.shl (local.get $r) (i32.const 2)))
        (f32.demote_f64 (f64.mul (f64.load (i32.add (local.get $acc) (i32.shl (local.get $r) (i32.const 3)))) (local.get $scale))))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $outLoop)))
  )

  ;; Elementwise kernels over `size` floats (any size: four lanes at a time, then one by one).

  ;; LeakyReLU: y = α·x where x < 0, else x (−0 and NaN keep x).
  (func (export "leakyRelu") (param $x i32) (param $y i32) (param $size i32) (param $alpha f32)
    (local $end i32) (local $vend i32) (local $v v128) (local $va v128) (local $zero v128) (local $s f32)
    (local.set $va (f32x4.splat (local.get $alpha)))
    (local.set $zero (f32x4.splat (f32.const 0)))
    (local.set $end (i32.add (local.get $x) (i32.shl (local.get $size) (i32.const 2))))
    (local.set $vend (i32.add (local.get $x) (i32.shl (i32.and (local.get $size) (i32.const -4)) (i32.const 2))))
    (block $vDone (loop $vLoop
      (br_if $vDone (i32.ge_u (local.get $x) (local.get $vend)))
      (local.set $v (v128.load (local.get $x)))
      (v128.store (local.get $y) (v128.bitselect (f32x4.mul (local.get $v) (local.get $va)) (local.get $v)
        (f32x4.lt (local.get $v) (local.get $zero))))
      (local.set $x (i32.add (local.get $x) (i32.const 16)))
      (local.set $y (i32.add (local.get $y) (i32.const 16)))
      (br $vLoop)))
    (block $done (loop $loop
      (br_if $done (i32.ge_u (local.get $x) (local.get $end)))
      (local.set $s (f32.load (local.get $x)))
      (f32.store (local.get $y) (select (f32.mul (local.get $s) (local.get $alpha)) (local.get $s)
        (f32.lt (local.get $s) (f32.const 0))))
      (local.set $x (i32.add (local.get $x) (i32.const 4)))
      (local.set $y (i32.add (local.get $y) (i32.const 4)))
      (br $loop)))
  )

  ;; LeakyReLU's gradient as tfjs-core writes it: dx = where(x > 0, dy, dy·α).
  (func (export "leakyReluGrad") (param $dy i32) (param $x i32) (param $dx i32) (param $size i32) (param $alpha f32)
    (local $end i32) (local $vend i32) (local $d v128) (local $va v128) (local $zero v128) (local $s f32)
    (local.set $va (f32x4.splat (local.get $alpha)))
    (local.set $zero (f32x4.splat (f32.const 0)))
    (local.set $end (i32.add (local.get $x) (i32.shl (local.get $size) (i32.const 2))))
    (local.set $vend (i32.add (local.get $x) (i32.shl (i32.and (local.get $size) (i32.const -4)) (i32.const 2))))
    (block $vDone (loop $vLoop
      (br_if $vDone (i32.ge_u (local.get $x) (local.get $vend)))
      (local.set $d (v128.load (local.get $dy)))
      (v128.store (local.get $dx) (v128.bitselect (local.get $d) (f32x4.mul (local.get $d) (local.get $va))
        (f32x4.gt (v128.load (local.get $x)) (local.get $zero))))
      (local.set $x (i32.add (local.get $x) (i32.const 16)))
      (local.set $dy (i32.add (local.get $dy) (i32.const 16)))
      (local.set $dx (i32.add (local.get $dx) (i32.const 16)))
      (br $vLoop)))
    (block $done (loop $loop
      (br_if $done (i32.ge_u (local.get $x) (local.get $end)))
      (local.set $s (f32.load (local.get $dy)))
      (f32.store (local.get $dx) (select (local.get $s) (f32.mul (local.get $s) (local.get $alpha))
        (f32.gt (f32.load (local.get $x)) (f32.const 0))))
      (local.set $x (i32.add (local.get $x) (i32.const 4)))
      (local.set $dy (i32.add (local.get $dy) (i32.const 4)))
      (local.set $dx (i32.add (local.get $dx) (i32.const 4)))
      (br $loop)))
  )

  ;; ReLU's gradient as tfjs-core writes it: dx = dy·step(x), step(x) = 1 where x > 0, NaN where x is NaN,
  ;; else 0 (so dy·0 keeps the sign of dy, and NaN in x gives NaN).
  (func (export "reluGrad") (param $dy i32) (param $x i32) (param $dx i32) (param $size i32)
    (local $end i32) (local $vend i32) (local $v v128) (local $one v128) (local $zero v128) (local $s f32)
    (local.set $one (f32x4.splat (f32.const 1)))
    (local.set $zero (f32x4.splat (f32.const 0)))
    (local.set $end (i32.add (local.get $x) (i32.shl (local.get $size) (i32.const 2))))
    (local.set $vend (i32.add (local.get $x) (i32.shl (i32.and (local.get $size) (i32.const -4)) (i32.const 2))))
    (block $vDone (loop $vLoop
      (br_if $vDone (i32.ge_u (local.get $x) (local.get $vend)))
      (local.set $v (v128.load (local.get $x)))
      (v128.store (local.get $dx) (f32x4.mul (v128.load (local.get $dy))
        (v128.bitselect (local.get $v)
          (v128.bitselect (local.get $one) (local.get $zero) (f32x4.gt (local.get $v) (local.get $zero)))
          (f32x4.ne (local.get $v) (local.get $v)))))
      (local.set $x (i32.add (local.get $x) (i32.const 16)))
      (local.set $dy (i32.add (local.get $dy) (i32.const 16)))
      (local.set $dx (i32.add (local.get $dx) (i32.const 16)))
      (br $vLoop)))
    (block $done (loop $loop
      (br_if $done (i32.ge_u (local.get $x) (local.get $end)))
      (local.set $s (f32.load (local.get $x)))
      (f32.store (local.get $dx) (f32.mul (f32.load (local.get $dy))
        (select (local.get $s) (select (f32.const 1) (f32.const 0) (f32.gt (local.get $s) (f32.const 0)))
          (f32.ne (local.get $s) (local.get $s)))))
      (local.set $x (i32.add (local.get $x) (i32.const 4)))
      (local.set $dy (i32.add (local.get $dy) (i32.const 4)))
      (local.set $dx (i32.add (local.get $dx) (i32.const 4)))
      (br $loop)))
  )

  ;; Inference batch norm with per-channel vectors (c a multiple of 4), the arithmetic of wasm's own
  ;; FusedBatchNorm kernel as compiled: nf = f32 √(variance + ε) widened to float64, then per element
  ;; y = f32(f64(offset) + f64(f32((x − mean)·scale)) / nf), the division and addition in float64.
  ;; nf is scratch space of 8·c bytes (float64), filled here.
  (func (export "batchNormInference")
    (param $x i32) (param $mean i32) (param $variance i32) (param $offset i32) (param $scale i32) (param $epsilon f32)
    (param $y i32) (param $rows i32) (param $c i32) (param $nf i32)
    (local $k i32) (local $end i32) (local $cb i32) (local $t v128) (local $lo v128) (local $hi v128) (local $o v128)
    (local.set $cb (i32.shl (local.get $c) (i32.const 2)))
    (local.set $k (i32.const 0))
    (block $nfDone (loop $nfLoop
      (br_if $nfDone (i32.ge_u (local.get $k) (local.get $c)))
      (f64.store (i32.add (local.get $nf) (i32.shl (local.get $k) (i32.const 3)))
        (f64.promote_f32 (f32.sqrt (f32.add (f32.load (i32.add (local.get $variance) (i32.shl (local.get $k) (i32.const 2))))
          (local.get $epsilon)))))
      (local.set $k (i32.add (local.get $k) (i32.const 1)))
      (br $nfLoop)))
    (local.set $end (i32.add (local.get $x) (i32.mul (local.get $rows) (local.get $cb))))
    (block $rowsDone (loop $rowLoop
      (br_if $rowsDone (i32.ge_u (local.get $x) (local.get $end)))
      (local.set $k (i32.const 0))
      (block $colsDone (loop $colLoop
        (br_if $colsDone (i32.ge_u (local.get $k) (local.get $cb)))
        (local.set $t (f32x4.mul
          (f32x4.sub (v128.load (i32.add (local.get $x) (local.get $k))) (v128.load (i32.add (local.get $mean) (local.get $k))))
          (v128.load (i32.add (local.get $scale) (local.get $k)))))
        (local.set $o (v128.load (i32.add (local.get $offset) (local.get $k))))
        (local.set $lo (f64x2.add (f64x2.promote_low_f32x4 (local.get $o))
          (f64x2.div (f64x2.promote_low_f32x4 (local.get $t)) (v128.load (i32.add (local.get $nf) (i32.shl (local.get $k) (i32.const 1)))))))
        (local.set $hi (f64x2.add
          (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $o) (local.get $o)))
          (f64x2.div (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $t) (local.get $t)))
            (v128.load (i32.add (i32.add (local.get $nf) (i32.shl (local.get $k) (i32.const 1))) (i32.const 16))))))
        ;; demote both halves and put them back in lane order
        (v128.store (i32.add (local.get $y) (local.get $k))
          (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23
            (f32x4.demote_f64x2_zero (local.get $lo)) (f32x4.demote_f64x2_zero (local.get $hi))))
        (local.set $k (i32.add (local.get $k) (i32.const 16)))
        (br $colLoop)))
      (local.set $x (i32.add (local.get $x) (local.get $cb)))
      (local.set $y (i32.add (local.get $y) (local.get $cb)))
      (br $rowLoop)))
  )

  ;; Transpose of a float32 matrix [rows, cols] into [cols, rows], rows and cols multiples of 4, in 4×4
  ;; blocks held in four vectors (exact: values are only moved).
  (func (export "transpose")
    (param $src i32) (param $dst i32) (param $rows i32) (param $cols i32)
    (local $r i32) (local $c i32) (local $rowBytes i32) (local $colBytes i32) (local $from i32) (local $to i32)
    (local $a v128) (local $b v128) (local $c4 v128) (local $d v128) (local $t0 v128) (local $t1 v128) (local $t2 v128) (local $t3 v128)
    (local.set $rowBytes (i32.shl (local.get $cols) (i32.const 2)))  ;; one source row
    (local.set $colBytes (i32.shl (local.get $rows) (i32.const 2)))  ;; one destination row
    (local.set $r (i32.const 0))
    (block $rDone (loop $rLoop
      (br_if $rDone (i32.ge_u (local.get $r) (local.get $rows)))
      (local.set $c (i32.const 0))
      (block $cDone (loop $cLoop
        (br_if $cDone (i32.ge_u (local.get $c) (local.get $cols)))
        (local.set $from (i32.add (local.get $src) (i32.shl (i32.add (i32.mul (local.get $r) (local.get $cols)) (local.get $c)) (i32.const 2))))
        (local.set $a (v128.load (local.get $from)))
        (local.set $b (v128.load (i32.add (local.get $from) (local.get $rowBytes))))
        (local.set $c4 (v128.load (i32.add (local.get $from) (i32.shl (local.get $rowBytes) (i32.const 1)))))
        (local.set $d (v128.load (i32.add (local.get $from) (i32.mul (local.get $rowBytes) (i32.const 3)))))
        (local.set $t0 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $a) (local.get $b)))     ;; a0 b0 a1 b1
        (local.set $t1 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $a) (local.get $b))) ;; a2 b2 a3 b3
        (local.set $t2 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $c4) (local.get $d)))    ;; c0 d0 c1 d1
        (local.set $t3 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $c4) (local.get $d))) ;; c2 d2 c3 d3
        (local.set $to (i32.add (local.get $dst) (i32.shl (i32.add (i32.mul (local.get $c) (local.get $rows)) (local.get $r)) (i32.const 2))))
        (v128.store (local.get $to) (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t0) (local.get $t2)))
        (v128.store (i32.add (local.get $to) (local.get $colBytes))
          (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t0) (local.get $t2)))
        (v128.store (i32.add (local.get $to) (i32.shl (local.get $colBytes) (i32.const 1)))
          (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t1) (local.get $t3)))
        (v128.store (i32.add (local.get $to) (i32.mul (local.get $colBytes) (i32.const 3)))
          (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t1) (local.get $t3)))
        (local.set $c (i32.add (local.get $c) (i32.const 4)))
        (br $cLoop)))
      (local.set $r (i32.add (local.get $r) (i32.const 4)))
      (br $rLoop)))
  )
)
