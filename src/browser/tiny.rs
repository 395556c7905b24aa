//! What the shipped build (`--features tiny`, see `scripts/build.sh`) needs
//! without `std`: a small allocator and a panic handler that aborts.
//!
//! `std` on wasm32 brings dlmalloc (~7 KB of wasm) and a panic machinery that
//! formats messages with `core::fmt` even with `panic = "abort"` (~15 KB). Both
//! are replaced here. Panics cannot happen on valid paths (the core returns
//! errors); if one does, the module traps (`unreachable`) and the JS call throws a
//! `RuntimeError`.
//!
//! The allocator is [`crate::sizeclass`] (size classes of powers of two from 8
//! bytes, one free list per class, blocks carved from 4 KB chunks; tested on the
//! host, and under Miri) over the top of wasm linear memory, which it grows with
//! `memory.grow` when needed. Single-threaded, as wasm32 in a browser is.

use crate::sizeclass::{Arena, SizeClasses};
use core::alloc::{GlobalAlloc, Layout};
use core::arch::wasm32;
use core::cell::UnsafeCell;
use core::ptr::null_mut;

/// The pages above everything the module owns (data, stack, earlier growth),
/// as `memory.grow` hands them out.
struct LinearMemory;

// SAFETY: a wasm page is 64 KB, a multiple of `CHUNK` (4 KB). `memory.grow`
// returns the previous size in pages, so the new pages start at that size times
// 64 KB: page-aligned, inside the one linear memory (contiguous with whatever lay
// below), and new, so nothing else in the module uses them (data and stack lie
// below the initial size; this is the only allocator). The address is never 0:
// memory starts with the stack's pages. Linear memory is never freed.
unsafe impl Arena for LinearMemory {
    const PAGE: usize = 65536;

    #[inline]
    fn grow(&mut self, pages: usize) -> *mut u8 {
        let previous = wasm32::memory_grow(0, pages);
        if previous == usize::MAX {
            return null_mut();
        }
        // Linear memory is addressed by integers: there is no base pointer to
        // derive this from (no provenance to keep on wasm32).
        (previous * Self::PAGE) as *mut u8
    }
}

/// The allocator (registered as the global allocator by `lib.rs`).
pub struct Tiny(UnsafeCell<SizeClasses<LinearMemory>>);

// SAFETY: wasm32-unknown-unknown without atomics runs on one thread: the state is
// never reached from two threads.
unsafe impl Sync for Tiny {}

impl Tiny {
    /// An empty allocator; it takes memory on first use.
    pub const fn new() -> Tiny {
        Tiny(UnsafeCell::new(SizeClasses::new(LinearMemory)))
    }
}

impl Default for Tiny {
    fn default() -> Tiny {
        Tiny::new()
    }
}

// SAFETY: `SizeClasses` returns null or a block aligned to `layout.align()` of at
// least `layout.size()` bytes, from memory only it hands out, and never hands out a
// live block twice; `realloc` keeps the contents and leaves the block alone when
// it returns null. Its safety conditions (the block and layout came from it) are
// `GlobalAlloc`'s own, passed on.
unsafe impl GlobalAlloc for Tiny {
    #[inline]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: one thread (see `Sync`), and no other allocator call is running
        // (the allocator calls nothing that allocates): this is the only reference
        // to the state.
        let s = unsafe { &mut *self.0.get() };
        s.alloc(layout)
    }

    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: the only reference to the state, as in `alloc`.
        let s = unsafe { &mut *self.0.get() };
        // SAFETY: `GlobalAlloc::dealloc`'s contract: `ptr` came from this
        // allocator with `layout`.
        unsafe { s.dealloc(ptr, layout) }
    }

    #[inline]
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: the only reference to the state, as in `alloc`.
        let s = unsafe { &mut *self.0.get() };
        // SAFETY: `GlobalAlloc::realloc`'s contract: `ptr` came from this
        // allocator with `layout`.
        unsafe { s.realloc(ptr, layout, new_size) }
    }
}

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    wasm32::unreachable()
}
