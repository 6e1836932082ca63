// AssemblyScript core: SHA-256 (scalar and 4-lane SIMD) and the Glacier tree hash.
export const VERSION: i32 = 1;
