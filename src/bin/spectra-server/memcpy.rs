//! `memcpy` and `memmove` for the static (musl) build, replacing musl's.
//!
//! Why: musl's x86_64 copy runs `rep movsq` for anything of 8 bytes or
//! more, after a byte loop to align, and most of the server's copies are a
//! few hundred bytes (event texts, frames), where that start-up dominates.
//! Measured with `WITH_STATIC=1 scripts/perf.sh` (ingest, same run as the
//! normal build): with musl's copies the static server spent 1.30× the
//! normal build's CPU per event and ingested 0.72× its rate
//! (perf/results/2026-12-05T1505.md); with these, 1.02× and 0.91×
//! (2026-12-05T1501.md). Why by hand: no well-kept crate provides these
//! symbols for a std program (compiler_builtins' `mem` feature builds on
//! nightly only; the rlibc-style crates are unmaintained or for no_std),
//! and the glibc build keeps glibc's (this module is compiled there for
//! its tests only).
//!
//! How: up to 256 bytes are moved with unaligned 16-byte loads and stores
//! that cover the range (overlapping in the middle), all loads before any
//! store, so the same code serves `memmove`; up to `LOOP_MAX` bytes in
//! 64-byte blocks; longer ones with `rep movsb`, which CPUs with ERMS (most
//! x86_64 since 2012) run at full speed; a destination overlapping the
//! source from above with `rep movsb` backwards. SSE2 only (the x86_64
//! baseline), and the loops are assembly, so that the compiler cannot turn
//! them back into a call to `memcpy` (which would call itself). The tests
//! compare every length from 0 to 2048 and overlaps both ways with a
//! byte-by-byte model; `tests/e2e_static.rs` runs the static binary that
//! uses them.

use std::arch::asm;

type V = u128;
const W: usize = size_of::<V>();
/// Up to here the 64-byte block loop beats `rep movsb` (on a Xeon with
/// ERMS and FSRM: 10 against 16 ns at 500 bytes, 20 against 18 at 1000).
const LOOP_MAX: usize = 768;

/// Copies `n` bytes from `src` to `dst`; the regions may overlap.
///
/// # Safety
///
/// As C's `memmove`: both ranges valid for `n` bytes.
#[cfg_attr(target_env = "musl", unsafe(no_mangle))]
pub unsafe extern "C" fn memmove(dst: *mut u8, src: *const u8, n: usize) -> *mut u8 {
    // SAFETY: the caller's contract; `copy` handles overlap.
    unsafe { copy(dst, src, n) };
    dst
}

/// Copies `n` bytes from `src` to `dst`, which do not overlap.
///
/// # Safety
///
/// As C's `memcpy`.
#[cfg_attr(target_env = "musl", unsafe(no_mangle))]
pub unsafe extern "C" fn memcpy(dst: *mut u8, src: *const u8, n: usize) -> *mut u8 {
    // SAFETY: the caller's contract (non-overlapping is a special case).
    unsafe { copy(dst, src, n) };
    dst
}

/// Unaligned load of a `T` at `p + at`.
#[inline(always)]
unsafe fn load<T: Copy>(p: *const u8, at: usize) -> T {
    // SAFETY: callers stay within the source range.
    unsafe { p.add(at).cast::<T>().read_unaligned() }
}

/// Unaligned store of `v` at `p + at`.
#[inline(always)]
unsafe fn store<T: Copy>(p: *mut u8, at: usize, v: T) {
    // SAFETY: callers stay within the destination range.
    unsafe { p.add(at).cast::<T>().write_unaligned(v) }
}

/// Moves `n` bytes as a head of `K` vectors from the start and a tail of `K`
/// vectors ending at the end (`K * W <= n <= 2 * K * W`), loading all first.
#[inline(always)]
unsafe fn head_tail<const K: usize>(dst: *mut u8, src: *const u8, n: usize) {
    // SAFETY: `n >= K * W`, so every offset is within both ranges.
    unsafe {
        let mut head: [V; K] = [0; K];
        let mut tail: [V; K] = [0; K];
        for i in 0..K {
            head[i] = load(src, i * W);
            tail[i] = load(src, n - (K - i) * W);
        }
        for i in 0..K {
            store(dst, i * W, head[i]);
            store(dst, n - (K - i) * W, tail[i]);
        }
    }
}

/// The copy behind both entry points: `memmove` semantics.
#[inline(always)]
unsafe fn copy(dst: *mut u8, src: *const u8, n: usize) {
    // SAFETY: every branch touches offsets below `n` only; see each.
    unsafe {
        match n {
            0 => {}
            1 => store::<u8>(dst, 0, load(src, 0)),
            2..=3 => {
                let (a, b) = (load::<u16>(src, 0), load::<u16>(src, n - 2));
                store(dst, 0, a);
                store(dst, n - 2, b);
            }
            4..=7 => {
                let (a, b) = (load::<u32>(src, 0), load::<u32>(src, n - 4));
                store(dst, 0, a);
                store(dst, n - 4, b);
            }
            8..=16 => {
                let (a, b) = (load::<u64>(src, 0), load::<u64>(src, n - 8));
                store(dst, 0, a);
                store(dst, n - 8, b);
            }
            17..=32 => head_tail::<1>(dst, src, n),
            33..=64 => head_tail::<2>(dst, src, n),
            65..=128 => head_tail::<4>(dst, src, n),
            129..=256 => head_tail::<8>(dst, src, n),
            257.. if (dst as usize).wrapping_sub(src as usize) < n => {
                // The destination overlaps the source from above: from the
                // last byte down, then the direction flag cleared again (the
                // ABI's state on return). Rare: a `Vec::insert` or the like.
                asm!(
                    "std",
                    "rep movsb",
                    "cld",
                    inout("rcx") n => _,
                    inout("rdi") dst.add(n - 1) => _,
                    inout("rsi") src.add(n - 1) => _,
                    options(nostack)
                );
            }
            // Forwards from here: no overlap, or the destination below the
            // source, where every block is loaded before a store reaches it.
            257..=LOOP_MAX => {
                // 64-byte blocks from the start while a whole one is left
                // before the end, then the last 64 bytes (loaded first, as
                // the blocks' stores may overwrite them).
                let tail: [V; 4] = [0, 1, 2, 3].map(|k| load(src, n - (4 - k) * W));
                asm!(
                    "2:",
                    "movups xmm0, [{src} + {at}]",
                    "movups xmm1, [{src} + {at} + 16]",
                    "movups xmm2, [{src} + {at} + 32]",
                    "movups xmm3, [{src} + {at} + 48]",
                    "movups [{dst} + {at}], xmm0",
                    "movups [{dst} + {at} + 16], xmm1",
                    "movups [{dst} + {at} + 32], xmm2",
                    "movups [{dst} + {at} + 48], xmm3",
                    "add {at}, 64",
                    "cmp {at}, {end}",
                    "jb 2b",
                    src = in(reg) src,
                    dst = in(reg) dst,
                    at = inout(reg) 0usize => _,
                    end = in(reg) n - 4 * W,
                    out("xmm0") _,
                    out("xmm1") _,
                    out("xmm2") _,
                    out("xmm3") _,
                    options(nostack)
                );
                for (k, t) in tail.into_iter().enumerate() {
                    store(dst, n - (4 - k) * W, t);
                }
            }
            _ => {
                asm!(
                    "rep movsb",
                    inout("rcx") n => _,
                    inout("rdi") dst => _,
                    inout("rsi") src => _,
                    options(nostack, preserves_flags)
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every length from 0 to 2048 (each branch and its edges, the block
    /// loop and `rep movsb`) and a few long ones, at source and destination
    /// offsets around a 16-byte boundary: apart, and overlapping with the
    /// destination below and above the source by distances within a
    /// vector, around a block and near the length itself, against a
    /// byte-by-byte model.
    #[test]
    fn copies_match_a_byte_by_byte_model() {
        let lens = (0..=2048usize).chain([4095, 4096, 4097, 70_000]);
        for n in lens {
            let offsets: &[usize] = if n > 2048 {
                &[0, 1, 15]
            } else {
                &[0, 1, 8, 15]
            };
            let shifts = [
                1,
                7,
                8,
                15,
                16,
                17,
                63,
                64,
                65,
                255,
                n / 2,
                n.saturating_sub(1),
            ];
            for &s in offsets {
                for &d in offsets {
                    check(n, s, d + n + 32); // apart, destination above
                    check(n, s + n + 32, d); // apart, destination below
                }
                for shift in shifts.iter().copied().filter(|&k| k > 0 && k < n) {
                    check(n, s + shift, s); // destination below the source
                    check(n, s, s + shift); // destination above the source
                }
            }
        }
    }

    /// The byte at `i` before any copy.
    fn byte(i: usize) -> u8 {
        (i * 7 + i / 251) as u8
    }

    fn check(n: usize, src_at: usize, dst_at: usize) {
        let len = src_at.max(dst_at) + n + 16;
        // What a byte-by-byte move leaves, computed without copying (the
        // standard library's copies would call the functions under test in
        // a static build).
        let want: Vec<u8> = (0..len)
            .map(|i| match i.checked_sub(dst_at) {
                Some(k) if k < n => byte(src_at + k),
                _ => byte(i),
            })
            .collect();
        let mut buf: Vec<u8> = (0..len).map(byte).collect();
        let base = buf.as_mut_ptr();
        // SAFETY: both ranges lie within `buf`.
        let ret = unsafe { memmove(base.add(dst_at), base.add(src_at), n) };
        assert_eq!(ret, base.wrapping_add(dst_at));
        assert!(buf == want, "memmove n {n}, src {src_at}, dst {dst_at}");
        if src_at + n <= dst_at || dst_at + n <= src_at {
            let mut buf: Vec<u8> = (0..len).map(byte).collect();
            let base = buf.as_mut_ptr();
            // SAFETY: disjoint ranges within `buf`.
            let ret = unsafe { memcpy(base.add(dst_at), base.add(src_at), n) };
            assert_eq!(ret, base.wrapping_add(dst_at));
            assert!(buf == want, "memcpy n {n}, src {src_at}, dst {dst_at}");
        }
    }
}
