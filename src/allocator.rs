//! The binary's global allocator: mimalloc, asked the way its own fast
//! path expects.
//!
//! The `mimalloc` crate hands every allocation to `mi_malloc_aligned`,
//! whatever the alignment. In mimalloc 3 that function takes the small
//! free list only for blocks up to 1 KB, and sends anything larger (a
//! response body, a header map's table, a connection's buffers: ~16 of the
//! ~160 allocations of an exchange) through its over-allocating fallback,
//! as though an 8-byte alignment were unusual. Here an alignment malloc
//! already guarantees goes to the plain `mi_malloc`/`mi_realloc`, as
//! Rust's own `System` allocator does with the C library's malloc; only
//! a larger alignment (a cache-padded tokio task, 128) is asked for as
//! such. Memory layout and the heaps are mimalloc's as before.
//!
//! mimalloc's size classes are multiples of 8 bytes, and of 16 from 16
//! bytes on, laid out from a 16-byte aligned start: a block of `size`
//! bytes is aligned to any power of two up to 16 that divides `size`.

use std::alloc::{GlobalAlloc, Layout};
use std::ffi::c_void;

// Linked through the `mimalloc` crate (its `libmimalloc-sys`).
use mimalloc as _;

extern "C" {
    fn mi_malloc(size: usize) -> *mut c_void;
    fn mi_zalloc(size: usize) -> *mut c_void;
    fn mi_realloc(p: *mut c_void, newsize: usize) -> *mut c_void;
    fn mi_malloc_aligned(size: usize, alignment: usize) -> *mut c_void;
    fn mi_zalloc_aligned(size: usize, alignment: usize) -> *mut c_void;
    fn mi_realloc_aligned(p: *mut c_void, newsize: usize, alignment: usize) -> *mut c_void;
    fn mi_free(p: *mut c_void);
}

/// The largest alignment a plain `mi_malloc` block of a fitting size has.
const PLAIN_ALIGN: usize = 16;

/// mimalloc as the global allocator (`#[global_allocator]` in `main.rs`).
pub struct Mimalloc;

/// Whether a plain block of `size` bytes is aligned to `align`.
#[inline]
fn plain(size: usize, align: usize) -> bool {
    // `align` is a power of two (`Layout`): a mask, not a division.
    align <= PLAIN_ALIGN && align <= size && size & (align - 1) == 0
}

// SAFETY: every block comes from mimalloc and goes back to `mi_free` or
// `mi_realloc*`, which accept blocks from either the plain or the aligned
// functions; a plain block is only handed out for a layout whose
// alignment it has (see the module doc; `tests` checks it).
unsafe impl GlobalAlloc for Mimalloc {
    #[inline]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if plain(layout.size(), layout.align()) {
            mi_malloc(layout.size()) as *mut u8
        } else {
            mi_malloc_aligned(layout.size(), layout.align()) as *mut u8
        }
    }

    #[inline]
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        if plain(layout.size(), layout.align()) {
            mi_zalloc(layout.size()) as *mut u8
        } else {
            mi_zalloc_aligned(layout.size(), layout.align()) as *mut u8
        }
    }

    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, _layout: Layout) {
        mi_free(ptr as *mut c_void)
    }

    #[inline]
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if plain(new_size, layout.align()) {
            mi_realloc(ptr as *mut c_void, new_size) as *mut u8
        } else {
            mi_realloc_aligned(ptr as *mut c_void, new_size, layout.align()) as *mut u8
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every size class up to 8 KB (and a few larger blocks), at every
    /// alignment a plain block is used for and a few it is not: each block
    /// is aligned as asked, holds its bytes through growth and shrinking,
    /// and comes back zeroed when asked.
    #[test]
    fn blocks_are_aligned_as_asked_and_keep_their_bytes() {
        let a = Mimalloc;
        let sizes = (1..=256).chain((264..=8192).step_by(8)).chain([12_000, 65_536, 100_000, 1 << 20]);
        // The first and last bytes of a block (a moved block keeps both).
        let kept = |p: *const u8, n: usize, b: u8| unsafe {
            let s = std::slice::from_raw_parts(p, n);
            s.iter().take(64).chain(s.iter().rev().take(64)).all(|x| *x == b)
        };
        for size in sizes {
            for align in [1, 2, 4, 8, 16, 32, 64, 128, 4096] {
                let Ok(layout) = Layout::from_size_align(size, align) else { continue };
                unsafe {
                    let p = a.alloc(layout);
                    assert!(!p.is_null());
                    assert_eq!(p as usize % align, 0, "size {size}, align {align}");
                    p.write_bytes(0xA5, size);
                    let grown = size * 2 + 8;
                    let q = a.realloc(p, layout, grown);
                    assert_eq!(q as usize % align, 0, "grown {grown}, align {align}");
                    assert!(kept(q, size, 0xA5), "size {size}");
                    let shrunk = (size / 2).max(1);
                    let r = a.realloc(q, Layout::from_size_align(grown, align).unwrap(), shrunk);
                    assert_eq!(r as usize % align, 0, "shrunk {shrunk}, align {align}");
                    assert!(kept(r, shrunk, 0xA5));
                    a.dealloc(r, Layout::from_size_align(shrunk, align).unwrap());
                    let z = a.alloc_zeroed(layout);
                    assert_eq!(z as usize % align, 0);
                    assert!(kept(z, size, 0));
                    a.dealloc(z, layout);
                }
            }
        }
    }
}
