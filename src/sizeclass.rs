//! Size-class allocation over a growing byte arena: the logic of the shipped
//! build's allocator (`browser::tiny`, which supplies wasm linear memory as the
//! arena), kept apart from it so that the host tests below — also run under Miri
//! by `scripts/miri.sh` — exercise the very code that ships.
//!
//! Blocks are powers of two from 8 bytes ("classes"), one free list per class,
//! linked through the first word of each free block. Blocks smaller than
//! [`CHUNK`] are carved from `CHUNK`-sized chunks; larger ones are taken whole.
//! Everything is taken from the top of the arena, which grows by whole pages when
//! it runs out. A block is aligned to its size up to `CHUNK`, so a layout fits its
//! class when its alignment does not exceed `CHUNK`; larger alignments are refused
//! (null). Freed blocks go back to their class's list; nothing is returned to the
//! arena (wasm memory cannot shrink anyway).
//!
//! Pointers are derived from the ones the arena hands out (`wrapping_add`), never
//! made from integers, so the host tests pass Miri with `-Zmiri-strict-provenance`.

use core::alloc::Layout;
use core::ptr::{self, null_mut};

/// The chunk small blocks are carved from, and the largest alignment served.
pub const CHUNK: usize = 4096;
/// Classes 8 B … 1 GB (`8 << 27`).
pub const CLASSES: usize = 28;

/// Where the allocator's memory comes from: a run of pages that only grows.
///
/// # Safety
///
/// `PAGE` is a nonzero multiple of [`CHUNK`]. `grow(pages)` returns null (the
/// arena cannot grow) or a pointer to `pages * PAGE` bytes that are aligned to
/// `CHUNK`, valid for reads and writes, and used by nothing but the caller for as
/// long as the arena lives. When a region starts where the previous one ended,
/// pointers to the previous region are valid for the new one too (they are one
/// allocation, as wasm linear memory is).
pub unsafe trait Arena {
    /// The unit of growth, in bytes.
    const PAGE: usize;
    /// Adds `pages` pages to the arena; the start of the new pages, or null.
    fn grow(&mut self, pages: usize) -> *mut u8;
}

/// The class of a block for `size` bytes aligned to `align`: block size
/// `8 << class` (may be `CLASSES` or more: too large).
#[inline]
fn class(size: usize, align: usize) -> usize {
    let size = size.max(align).max(8);
    (usize::BITS - (size - 1).leading_zeros()) as usize - 3
}

/// The unused top of the arena: `left` bytes from `top`.
struct Top<A> {
    arena: A,
    top: *mut u8,
    left: usize,
}

impl<A: Arena> Top<A> {
    /// `n` bytes (a multiple of `CHUNK`) from the top of the arena,
    /// `CHUNK`-aligned; null when the arena cannot grow enough.
    fn take(&mut self, n: usize) -> *mut u8 {
        while self.left < n {
            let pages = (n - self.left).div_ceil(A::PAGE);
            let new = self.arena.grow(pages);
            if new.is_null() {
                return null_mut();
            }
            if new != self.top.wrapping_add(self.left) {
                // First use, or someone else grew the arena meanwhile: start over
                // at the new pages (what was left below them stays unused).
                self.top = new;
                self.left = 0;
            }
            self.left += pages * A::PAGE;
        }
        let p = self.top;
        // Within the region the arena handed out (`left >= n`), so this is an
        // in-bounds offset of `top`'s allocation.
        self.top = self.top.wrapping_add(n);
        self.left -= n;
        p
    }
}

/// A size-class allocator over the arena `A`. Single-threaded: it is used through
/// `&mut`.
pub struct SizeClasses<A> {
    /// The first free block of each class (null: none).
    free: [*mut u8; CLASSES],
    top: Top<A>,
}

impl<A: Arena> SizeClasses<A> {
    /// An empty allocator; it grows the arena on first use.
    pub const fn new(arena: A) -> SizeClasses<A> {
        SizeClasses {
            free: [null_mut(); CLASSES],
            top: Top {
                arena,
                top: null_mut(),
                left: 0,
            },
        }
    }

    /// A block for `layout` (aligned to `layout.align()`, at least
    /// `layout.size()` bytes, 8 bytes for size 0), or null when the alignment
    /// exceeds [`CHUNK`], the size exceeds the largest class, or the arena cannot
    /// grow.
    pub fn alloc(&mut self, layout: Layout) -> *mut u8 {
        self.alloc_class(class(layout.size(), layout.align()), layout.align())
    }

    fn alloc_class(&mut self, c: usize, align: usize) -> *mut u8 {
        let Some(head) = self.free.get_mut(c) else {
            return null_mut();
        };
        if align > CHUNK {
            return null_mut();
        }
        let block = *head;
        if !block.is_null() {
            // SAFETY: `block` heads this class's free list: a block of at least 8
            // bytes, 8-aligned, owned by the allocator and not in use, whose first
            // word `push` (or the carving below) wrote.
            *head = unsafe { block.cast::<*mut u8>().read() };
            return block;
        }
        let size = 8usize << c;
        if size >= CHUNK {
            return self.top.take(size);
        }
        // Carve a chunk: hand out its first block, list the others.
        let chunk = self.top.take(CHUNK);
        if chunk.is_null() {
            return null_mut();
        }
        let mut offset = CHUNK - size;
        while offset > 0 {
            let b = chunk.wrapping_add(offset);
            // SAFETY: `b` is a `size`-byte block inside the chunk just taken
            // (`offset + size <= CHUNK`), aligned to `size >= 8` (the chunk is
            // `CHUNK`-aligned), and not handed out: its first word holds the link.
            unsafe { push(head, b) };
            offset -= size;
        }
        chunk
    }

    /// Returns a block to its class's free list.
    ///
    /// # Safety
    ///
    /// `ptr` was returned by this allocator's `alloc` or `realloc` for a layout
    /// of `layout`'s size class (as `GlobalAlloc::dealloc` requires: the same
    /// layout), and is not used afterwards.
    pub unsafe fn dealloc(&mut self, ptr: *mut u8, layout: Layout) {
        if let Some(head) = self.free.get_mut(class(layout.size(), layout.align())) {
            // SAFETY: `ptr` is a block of this class, no longer in use (caller):
            // at least 8 bytes, 8-aligned, owned by the allocator.
            unsafe { push(head, ptr) };
        }
    }

    /// Resizes a block to `new_size` bytes (same alignment), keeping its
    /// contents up to the smaller size: the same block when the class does not
    /// change, else a new one (the old one freed). Null when no block can be had;
    /// the old block is then left as it was.
    ///
    /// # Safety
    ///
    /// As [`dealloc`](Self::dealloc) for `ptr` and `layout`.
    pub unsafe fn realloc(&mut self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let align = layout.align();
        let c = class(new_size, align);
        if c == class(layout.size(), align) {
            return ptr;
        }
        let p = self.alloc_class(c, align);
        if !p.is_null() {
            // SAFETY: `ptr` is a live block of at least `layout.size()` bytes
            // (caller), `p` a fresh one of at least `new_size` bytes; live blocks
            // never overlap.
            unsafe { ptr::copy_nonoverlapping(ptr, p, layout.size().min(new_size)) };
            // SAFETY: `ptr` was allocated for `layout` (caller) and is not used
            // after this.
            unsafe { self.dealloc(ptr, layout) };
        }
        p
    }
}

/// Puts `block` at the head of the list `head`.
///
/// # Safety
///
/// `block` is at least 8 bytes (a pointer's size), 8-aligned, owned by the
/// allocator and not in use.
#[inline]
unsafe fn push(head: &mut *mut u8, block: *mut u8) {
    // SAFETY: `block` can hold a pointer and is not in use (caller).
    unsafe { block.cast::<*mut u8>().write(*head) };
    *head = block;
}

#[cfg(test)]
mod tests;
