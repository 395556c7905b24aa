//! Size-class allocation over a growing byte arena: the logic of the shipped
//! build's allocator (`browser::tiny`, which supplies wasm linear memory as the
//! arena), kept apart from it so that the host tests below — also run under Miri
//! by `scripts/miri.sh` — exercise the very code that ships.
//!
//! Blocks up to [`LARGE`]` / 2` bytes are powers of two from 8 bytes ("classes"),
//! one free list per class, linked through the first word of each free block.
//! Blocks smaller than [`CHUNK`] are carved from `CHUNK`-sized chunks; larger ones
//! are taken whole. A block is aligned to its size up to `CHUNK`, so a layout fits
//! its class when its alignment does not exceed `CHUNK`; larger alignments are
//! refused (null).
//!
//! Larger blocks (a message from the server, the text of a big frame) are sized in
//! multiples of [`LARGE`] rather than powers of two, so a block of S bytes costs at
//! most S + 64 KB (not up to 2 × S), and share one free list of regions, kept in
//! address order: a request takes the front of the first region big enough, a freed
//! block merges with its free neighbours, and a free region that reaches the unused
//! top of the arena goes back to it, so the next large block grows from there. The
//! arena's high-water mark after a large message is then about its size, whatever
//! the sizes that came before.
//!
//! Everything is taken from the top of the arena, which grows by whole pages when
//! it runs out; nothing is returned to the arena itself (wasm memory cannot shrink).
//!
//! Pointers are derived from the ones the arena hands out (`wrapping_add`), never
//! made from integers, so the host tests pass Miri with `-Zmiri-strict-provenance`.

use core::alloc::Layout;
use core::ptr::{self, null_mut};

/// The chunk small blocks are carved from, and the largest alignment served.
pub const CHUNK: usize = 4096;
/// Classes 8 B … 1 GB (`8 << 27`).
pub const CLASSES: usize = 28;
/// The unit of large blocks: a request over `LARGE / 2` bytes takes a multiple of it.
pub const LARGE: usize = 65536;
/// The largest block served (the largest class's size).
const MAX: usize = 8 << (CLASSES - 1);

/// The size of the large block for `size` bytes, when `size` takes one.
#[inline]
fn large(size: usize) -> Option<usize> {
    (size > LARGE / 2 && size <= MAX).then(|| size.div_ceil(LARGE) * LARGE)
}

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
    /// The first free large region, by address (null: none); see [`Region`].
    regions: *mut u8,
    top: Top<A>,
}

impl<A: Arena> SizeClasses<A> {
    /// An empty allocator; it grows the arena on first use.
    pub const fn new(arena: A) -> SizeClasses<A> {
        SizeClasses {
            free: [null_mut(); CLASSES],
            regions: null_mut(),
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
        if layout.align() <= CHUNK {
            if let Some(n) = large(layout.size()) {
                return self.alloc_large(n);
            }
        }
        self.alloc_class(class(layout.size(), layout.align()), layout.align())
    }

    /// `n` bytes (a multiple of [`LARGE`]): the front of the first free region that
    /// holds them, else from the top.
    fn alloc_large(&mut self, n: usize) -> *mut u8 {
        let mut link: *mut *mut u8 = &mut self.regions;
        loop {
            // SAFETY: `link` is `self.regions` or the `next` field of a listed region
            // (below): valid for reads and writes, not aliased by anything live.
            let r = unsafe { *link };
            if r.is_null() {
                return self.top.take(n);
            }
            // SAFETY: `r` is a listed free region (`Region`'s contract).
            let (next, size) = unsafe { Region::read(r) };
            if size >= n {
                let rest = if size == n {
                    next
                } else {
                    let rest = r.wrapping_add(n);
                    // SAFETY: `[r + n, r + size)` is the unused rest of the free region
                    // `r`, at least `LARGE` bytes (both sizes are multiples of it) and
                    // `CHUNK`-aligned: it becomes a region in `r`'s place.
                    unsafe { Region::write(rest, next, size - n) };
                    rest
                };
                // SAFETY: as above, `link` is valid for writes.
                unsafe { *link = rest };
                return r;
            }
            // SAFETY: `r` is a listed region: its first word is its `next` link.
            link = r.cast::<*mut u8>();
        }
    }

    /// Frees the large block `[p, p + n)`: listed in address order, merged with free
    /// neighbours, given back to the top when it reaches it.
    ///
    /// # Safety
    ///
    /// `[p, p + n)` was handed out by `alloc_large` (or is the freed tail of such a
    /// block, a multiple of `LARGE`) and is no longer used.
    unsafe fn dealloc_large(&mut self, p: *mut u8, n: usize) {
        // The last region before `p` (and the link to it), and the link to the first
        // region after it.
        let mut prev: *mut u8 = null_mut();
        let mut prev_link: *mut *mut u8 = null_mut();
        let mut link: *mut *mut u8 = &mut self.regions;
        loop {
            // SAFETY: `link` is `self.regions` or the `next` field of a listed region.
            let r = unsafe { *link };
            if r.is_null() || r as usize > p as usize {
                break;
            }
            (prev, prev_link) = (r, link);
            link = r.cast::<*mut u8>();
        }
        // SAFETY: as above.
        let next = unsafe { *link };
        // The free span: the block, with the neighbours that touch it.
        let (mut start, mut size, mut after) = (p, n, next);
        if !next.is_null() && p as usize + n == next as usize {
            // SAFETY: `next` is a listed region.
            let (next_next, next_size) = unsafe { Region::read(next) };
            size += next_size;
            after = next_next;
        }
        if !prev.is_null() {
            // SAFETY: `prev` is a listed region.
            let prev_size = unsafe { Region::read(prev) }.1;
            if prev as usize + prev_size == p as usize {
                start = prev;
                size += prev_size;
                link = prev_link;
            }
        }
        if start as usize + size == self.top.top as usize {
            // It reaches the unused top (one contiguous run: `top` was taken right
            // after it): it becomes unused top, and leaves the list.
            // SAFETY: `link` is valid for writes (above).
            unsafe { *link = after };
            self.top.top = start;
            self.top.left += size;
            return;
        }
        // SAFETY: `[start, start + size)` is free (the block and the regions merged
        // into it), `CHUNK`-aligned and a multiple of `LARGE`; `link` is valid.
        unsafe {
            Region::write(start, after, size);
            *link = start;
        }
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
        if let Some(n) = large(layout.size()).filter(|_| layout.align() <= CHUNK) {
            // SAFETY: `alloc` gave `ptr` a large block of `n` bytes for this layout
            // (caller); it is no longer used.
            return unsafe { self.dealloc_large(ptr, n) };
        }
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
        let fits = align <= CHUNK;
        match (
            large(layout.size()).filter(|_| fits),
            large(new_size).filter(|_| fits),
        ) {
            (Some(old), Some(new)) if new <= old => {
                if new < old {
                    // SAFETY: the tail of the large block `ptr` (caller), a multiple of
                    // `LARGE`, no longer used once the block is this much smaller.
                    unsafe { self.dealloc_large(ptr.wrapping_add(new), old - new) };
                }
                return ptr;
            }
            (None, None) if class(new_size, align) == class(layout.size(), align) => return ptr,
            _ => {}
        }
        let Ok(new_layout) = Layout::from_size_align(new_size, align) else {
            return null_mut();
        };
        let p = self.alloc(new_layout);
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

/// A free large region: its first word links to the next region (by address; null
/// at the end), its second holds its size in bytes. Regions are `CHUNK`-aligned,
/// multiples of [`LARGE`], owned by the allocator and not in use.
struct Region;

impl Region {
    /// `(next, size)` of the region at `r`.
    ///
    /// # Safety
    ///
    /// `r` is a region written by [`Region::write`] and still listed.
    #[inline]
    unsafe fn read(r: *mut u8) -> (*mut u8, usize) {
        // SAFETY: a region starts with its two words (caller), aligned (`CHUNK`).
        unsafe {
            (
                r.cast::<*mut u8>().read(),
                r.wrapping_add(size_of::<*mut u8>()).cast::<usize>().read(),
            )
        }
    }

    /// Makes `[r, r + size)` a region linking to `next`.
    ///
    /// # Safety
    ///
    /// `[r, r + size)` is free memory of the allocator, `CHUNK`-aligned, at least
    /// `LARGE` bytes.
    #[inline]
    unsafe fn write(r: *mut u8, next: *mut u8, size: usize) {
        // SAFETY: room for two words at an aligned address, not in use (caller).
        unsafe {
            r.cast::<*mut u8>().write(next);
            r.wrapping_add(size_of::<*mut u8>())
                .cast::<usize>()
                .write(size);
        }
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
