//! What the shipped build (`--features tiny`, see `scripts/build.sh`) needs
//! without `std`: a small allocator and a panic handler that aborts.
//!
//! `std` on wasm32 brings dlmalloc (~7 KB of wasm) and a panic machinery that
//! formats messages with `core::fmt` even with `panic = "abort"` (~15 KB). Both
//! are replaced here. Panics cannot happen on valid paths (the core returns
//! errors); if one does, the module traps (`unreachable`) and the JS call throws a
//! `RuntimeError`.
//!
//! The allocator: size classes of powers of two from 8 bytes, one free list per
//! class (the link lives in the free block), blocks carved from 4 KB chunks taken
//! from the top of linear memory (`memory.grow` when needed). A block is aligned
//! to its size up to 4 KB, so any layout whose alignment does not exceed its size
//! fits. Freed blocks go back to their class's list; memory is never returned (wasm
//! cannot shrink its memory anyway). Single-threaded, as wasm32 in a browser is.

use core::alloc::{GlobalAlloc, Layout};
use core::arch::wasm32;
use core::cell::UnsafeCell;
use core::ptr::null_mut;

const PAGE: usize = 65536;
const CHUNK: usize = 4096;
/// Classes 8 B … 1 GB.
const CLASSES: usize = 28;

struct State {
    free: [usize; CLASSES],
    /// Next unused address and the end of linear memory.
    top: usize,
    end: usize,
}

/// The allocator (registered as the global allocator by `lib.rs`).
pub struct Tiny(UnsafeCell<State>);

// SAFETY: wasm32-unknown-unknown without atomics runs on one thread.
unsafe impl Sync for Tiny {}

impl Tiny {
    /// An empty allocator; it takes memory on first use.
    pub const fn new() -> Tiny {
        Tiny(UnsafeCell::new(State {
            free: [0; CLASSES],
            top: 0,
            end: 0,
        }))
    }
}

impl Default for Tiny {
    fn default() -> Tiny {
        Tiny::new()
    }
}

/// The class of a layout: block size `8 << class`.
fn class(layout: Layout) -> usize {
    let size = layout.size().max(layout.align()).max(8);
    (usize::BITS - (size - 1).leading_zeros()) as usize - 3
}

impl State {
    /// `n` bytes (a multiple of `CHUNK`) from the top of memory, `CHUNK`-aligned.
    unsafe fn take(&mut self, n: usize) -> usize {
        if self.end == 0 {
            // Start after everything the module owns (data, stack, earlier growth).
            self.top = wasm32::memory_size(0) * PAGE;
            self.end = self.top;
        }
        while self.end - self.top < n {
            let pages = (n - (self.end - self.top)).div_ceil(PAGE);
            let previous = wasm32::memory_grow(0, pages);
            if previous == usize::MAX {
                return 0;
            }
            if previous * PAGE != self.end {
                // Someone else grew the memory meanwhile: start over at the new pages.
                self.top = previous * PAGE;
                self.end = self.top;
            }
            self.end += pages * PAGE;
        }
        let p = self.top;
        self.top += n;
        p
    }
}

unsafe impl GlobalAlloc for Tiny {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let s = &mut *self.0.get();
        let c = class(layout);
        if c >= CLASSES || layout.align() > CHUNK {
            return null_mut();
        }
        let head = s.free[c];
        if head != 0 {
            s.free[c] = *(head as *const usize);
            return head as *mut u8;
        }
        let size = 8usize << c;
        if size >= CHUNK {
            return s.take(size) as *mut u8;
        }
        // Carve a chunk: hand out its first block, list the others.
        let chunk = s.take(CHUNK);
        if chunk == 0 {
            return null_mut();
        }
        let mut b = chunk + CHUNK - size;
        while b > chunk {
            *(b as *mut usize) = s.free[c];
            s.free[c] = b;
            b -= size;
        }
        chunk as *mut u8
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        let s = &mut *self.0.get();
        if let Some(head) = s.free.get_mut(class(layout)) {
            *(ptr as *mut usize) = *head;
            *head = ptr as usize;
        }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let new = Layout::from_size_align_unchecked(new_size, layout.align());
        if class(new) == class(layout) {
            return ptr;
        }
        let p = self.alloc(new);
        if !p.is_null() {
            core::ptr::copy_nonoverlapping(ptr, p, layout.size().min(new_size));
            self.dealloc(ptr, layout);
        }
        p
    }
}

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    wasm32::unreachable()
}
