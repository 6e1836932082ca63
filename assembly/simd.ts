// 4-lane SHA-256 helpers: word i of four messages in one v128 (used only by the `simd` build).

@inline
export function rotrV(x: v128, n: i32): v128 {
  return v128.or(i32x4.shr_u(x, n), i32x4.shl(x, 32 - n));
}

@inline
export function bigSigma0(x: v128): v128 {
  return v128.xor(v128.xor(rotrV(x, 2), rotrV(x, 13)), rotrV(x, 22));
}

@inline
export function bigSigma1(x: v128): v128 {
  return v128.xor(v128.xor(rotrV(x, 6), rotrV(x, 11)), rotrV(x, 25));
}
