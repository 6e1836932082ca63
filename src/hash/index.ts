// The hashing core's public API (design.md) lands here.
export {};
