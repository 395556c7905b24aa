//! The size-class allocator over a host buffer that plays wasm linear memory.
//! Also run under Miri (`scripts/miri.sh`), which checks every access for bounds,
//! alignment, aliasing and provenance.

use super::{class, large, Arena, SizeClasses, CHUNK, CLASSES, LARGE};
use core::alloc::Layout;
use core::ptr::null_mut;

#[path = "../../tests/support/rng.rs"]
mod rng;

/// A fixed, `CHUNK`-aligned buffer of `capacity` pages of `P` bytes, handed out a
/// page run at a time, like `memory.grow`.
struct Buffer<const P: usize> {
    base: *mut u8,
    capacity: usize,
    /// Pages handed out so far (to the allocator, or taken by [`Buffer::steal`]).
    used: usize,
    /// `grow` calls so far.
    grows: usize,
}

impl<const P: usize> Buffer<P> {
    fn layout(capacity: usize) -> Layout {
        Layout::from_size_align(capacity * P, CHUNK).unwrap()
    }

    fn new(capacity: usize) -> Buffer<P> {
        let layout = Self::layout(capacity);
        // SAFETY: `layout` has a nonzero size (every test asks for pages).
        let base = unsafe { std::alloc::alloc_zeroed(layout) };
        if base.is_null() {
            std::alloc::handle_alloc_error(layout);
        }
        Buffer {
            base,
            capacity,
            used: 0,
            grows: 0,
        }
    }

    /// Grows the buffer behind the allocator's back (as other code growing wasm
    /// memory would): the start of the `pages` pages taken.
    fn steal(&mut self, pages: usize) -> *mut u8 {
        assert!(self.used + pages <= self.capacity);
        let p = self.base.wrapping_add(self.used * P);
        self.used += pages;
        p
    }

    /// Whether `[p, p + len)` lies inside the pages handed out so far.
    fn holds(&self, p: *mut u8, len: usize) -> bool {
        let (start, p) = (self.base as usize, p as usize);
        p >= start && p + len <= start + self.used * P
    }
}

// SAFETY: `P` is a multiple of `CHUNK` (checked at the first `grow`); the base is
// `CHUNK`-aligned (its layout) so every page run is; runs never overlap (`used`
// only grows), lie inside the one allocation `base` points to (`capacity`), and
// the buffer is freed only when the arena is dropped.
unsafe impl<const P: usize> Arena for Buffer<P> {
    const PAGE: usize = P;

    fn grow(&mut self, pages: usize) -> *mut u8 {
        assert!(P > 0 && P % CHUNK == 0, "a page is a multiple of CHUNK");
        self.grows += 1;
        if self.used + pages > self.capacity {
            return null_mut();
        }
        self.steal(pages)
    }
}

impl<const P: usize> Drop for Buffer<P> {
    fn drop(&mut self) {
        // SAFETY: `base` came from `alloc_zeroed` with this very layout.
        unsafe { std::alloc::dealloc(self.base, Self::layout(self.capacity)) };
    }
}

/// 16 KB pages: four chunks each, so page boundaries come often.
type Small = SizeClasses<Buffer<16384>>;

fn small(pages: usize) -> Small {
    SizeClasses::new(Buffer::new(pages))
}

fn layout(size: usize, align: usize) -> Layout {
    Layout::from_size_align(size, align).unwrap()
}

/// The block size the allocator gives `layout`.
fn block_size(layout: Layout) -> usize {
    match large(layout.size()) {
        Some(n) if layout.align() <= CHUNK => n,
        _ => 8 << class(layout.size(), layout.align()),
    }
}

/// Whether `layout` takes a large block (sized by `LARGE`, one free list of regions).
fn is_large(layout: Layout) -> bool {
    layout.align() <= CHUNK && large(layout.size()).is_some()
}

/// A live block the tests keep: its pointer, its layout and the byte filling it.
#[derive(Clone, Copy)]
struct Live {
    p: *mut u8,
    layout: Layout,
    tag: u8,
}

fn fill(p: *mut u8, len: usize, tag: u8) {
    // SAFETY: every caller passes a live block of at least `len` bytes.
    unsafe { p.write_bytes(tag, len) };
}

/// Whether the first `len` bytes at `p` all equal `tag` (a slice comparison, which
/// Miri runs as one `memcmp`).
fn holds_tag(p: *mut u8, len: usize, tag: u8) -> bool {
    // SAFETY: every caller passes a live block of at least `len` initialised bytes.
    let bytes = unsafe { core::slice::from_raw_parts(p, len) };
    bytes == vec![tag; len].as_slice()
}

/// Every invariant over the live blocks: aligned, inside the arena, pairwise
/// disjoint (by address), each still holding its tag.
fn check_all<const P: usize>(a: &SizeClasses<Buffer<P>>, live: &[Live]) {
    let mut spans: Vec<(usize, usize)> = live
        .iter()
        .map(|l| {
            assert_eq!(l.p as usize % l.layout.align(), 0, "misaligned block");
            assert!(
                a.top.arena.holds(l.p, l.layout.size()),
                "block outside the arena"
            );
            assert!(
                holds_tag(l.p, l.layout.size(), l.tag),
                "a block's bytes were overwritten"
            );
            (l.p as usize, l.p as usize + l.layout.size().max(1))
        })
        .collect();
    spans.sort_unstable();
    for pair in spans.windows(2) {
        assert!(pair[0].1 <= pair[1].0, "live blocks overlap");
    }
}

/// Allocates `layout`, checks it is aligned and inside the arena, fills it.
fn take<const P: usize>(a: &mut SizeClasses<Buffer<P>>, layout: Layout, tag: u8) -> Live {
    let p = a.alloc(layout);
    assert!(!p.is_null(), "refused {layout:?}");
    assert_eq!(p as usize % layout.align(), 0, "misaligned for {layout:?}");
    assert!(a.top.arena.holds(p, block_size(layout)));
    fill(p, layout.size(), tag);
    Live { p, layout, tag }
}

#[test]
fn classes_are_powers_of_two_from_eight_bytes() {
    assert_eq!(class(0, 1), 0);
    assert_eq!(class(1, 1), 0);
    assert_eq!(class(8, 8), 0);
    assert_eq!(class(9, 1), 1);
    assert_eq!(class(16, 1), 1);
    assert_eq!(class(17, 1), 2);
    assert_eq!(class(1, 64), 3);
    assert_eq!(class(4096, 1), 9);
    assert_eq!(class(1 << 30, 1), CLASSES - 1);
    assert_eq!(class((1 << 30) + 1, 1), CLASSES);
    assert!(class(usize::MAX, 1) >= CLASSES);
}

#[test]
fn every_size_and_alignment_gets_an_aligned_disjoint_block() {
    let mut a = small(256);
    let sizes = [
        0, 1, 2, 3, 7, 8, 9, 15, 16, 17, 31, 33, 100, 255, 256, 257, 1000, 2047, 2049, 4095, 4096,
        4097, 9000, 20000,
    ];
    let mut live = Vec::new();
    for size in sizes {
        for shift in 0..=12 {
            let tag = (live.len() % 251) as u8 + 1;
            live.push(take(&mut a, layout(size, 1 << shift), tag));
        }
    }
    check_all(&a, &live);
    for l in live.drain(..) {
        // SAFETY: allocated above with this layout, not used again.
        unsafe { a.dealloc(l.p, l.layout) };
    }
}

#[test]
fn a_freed_block_is_reused_by_its_class_only() {
    let mut a = small(4);
    let x = take(&mut a, layout(24, 8), 1);
    // SAFETY: allocated above with this layout, not used again.
    unsafe { a.dealloc(x.p, x.layout) };
    // Another class does not get it.
    let y = take(&mut a, layout(64, 8), 2);
    assert_ne!(y.p, x.p);
    // The same class (32-byte blocks) does, whatever the layout within it.
    let z = take(&mut a, layout(17, 16), 3);
    assert_eq!(z.p, x.p);
    // Last freed, first reused.
    let w = take(&mut a, layout(32, 1), 4);
    // SAFETY: both allocated above with these layouts, not used again.
    unsafe {
        a.dealloc(z.p, z.layout);
        a.dealloc(w.p, w.layout);
    }
    assert_eq!(a.alloc(layout(32, 1)), w.p);
    assert_eq!(a.alloc(layout(32, 1)), z.p);
    check_all(&a, &[y]);
}

#[test]
fn the_arena_grows_by_the_pages_needed_and_stays_contiguous() {
    let mut a = small(8);
    let base = a.top.arena.base;
    assert_eq!(
        a.top.arena.used, 0,
        "nothing taken before the first allocation"
    );
    // Four chunk-sized blocks fill the first 16 KB page.
    let blocks: Vec<Live> = (0..4u8)
        .map(|i| take(&mut a, layout(4096, 8), i + 1))
        .collect();
    assert_eq!(a.top.arena.used, 1);
    for (i, b) in blocks.iter().enumerate() {
        assert_eq!(b.p, base.wrapping_add(i * 4096));
    }
    // The fifth needs a second page.
    let fifth = take(&mut a, layout(4096, 8), 5);
    assert_eq!(a.top.arena.used, 2);
    assert_eq!(fifth.p, base.wrapping_add(16384));
    // 32 KB with 12 KB left: two more pages, and the block continues the top.
    let big = take(&mut a, layout(32768, 8), 6);
    assert_eq!(a.top.arena.used, 4);
    assert_eq!(big.p, base.wrapping_add(20480));
    // A small block carves a fresh chunk from what is left (4 KB of page 4).
    let small_block = take(&mut a, layout(8, 8), 7);
    assert_eq!(small_block.p, base.wrapping_add(53248));
    assert_eq!(a.top.arena.used, 4);
    let mut live = blocks;
    live.extend([fifth, big, small_block]);
    check_all(&a, &live);

    // Whole pages: exactly the pages needed, not one more.
    let mut b = small(8);
    let page = take(&mut b, layout(16384, 8), 1);
    assert_eq!((b.top.arena.used, b.top.arena.grows), (1, 1));
    let two = take(&mut b, layout(32768, 8), 2);
    assert_eq!((b.top.arena.used, b.top.arena.grows), (3, 2));
    check_all(&b, &[page, two]);
}

#[test]
fn pages_grown_behind_its_back_are_left_alone() {
    let mut a = small(8);
    let base = a.top.arena.base;
    let first = take(&mut a, layout(8192, 8), 1);
    // 8 KB left on page 1; someone else grows the arena by a page.
    let stolen = a.top.arena.steal(1);
    assert_eq!(stolen, base.wrapping_add(16384));
    fill(stolen, 16384, 0xEE);
    // 16 KB do not fit in the 8 KB left: the allocator grows, finds its top no longer
    // contiguous, and starts over at the new page.
    let second = take(&mut a, layout(16384, 8), 2);
    assert_eq!(second.p, base.wrapping_add(32768));
    let small_block = take(&mut a, layout(100, 4), 3);
    assert!(
        holds_tag(stolen, 16384, 0xEE),
        "the stolen page was written"
    );
    check_all(&a, &[first, second, small_block]);
}

#[test]
fn it_refuses_when_the_arena_cannot_grow_and_recovers_by_reuse() {
    let mut a = small(1);
    let mut live = Vec::new();
    // One 16 KB page: four chunks of 64-byte blocks.
    loop {
        let p = a.alloc(layout(64, 8));
        if p.is_null() {
            break;
        }
        assert!(live.len() < 256, "more blocks than the arena holds");
        let tag = (live.len() % 251) as u8 + 1;
        fill(p, 64, tag);
        live.push(Live {
            p,
            layout: layout(64, 8),
            tag,
        });
    }
    assert_eq!(live.len(), 16384 / 64);
    assert_eq!(a.top.arena.used, 1);
    // Every class is refused now, and asking does not disturb the live blocks.
    assert!(a.alloc(layout(8, 8)).is_null());
    assert!(a.alloc(layout(1 << 20, 8)).is_null());
    check_all(&a, &live);
    // A freed block comes back.
    let freed = live.swap_remove(17);
    // SAFETY: allocated above with this layout, not used again.
    unsafe { a.dealloc(freed.p, freed.layout) };
    assert_eq!(a.alloc(layout(50, 2)), freed.p);
}

#[test]
fn unsupported_layouts_are_refused_without_growing() {
    let mut a = small(4);
    // Alignment above CHUNK.
    assert!(a.alloc(layout(8, 8192)).is_null());
    assert!(a.alloc(layout(8192, 8192)).is_null());
    // Larger than the largest class (1 GB).
    assert!(a.alloc(layout((1 << 30) + 1, 8)).is_null());
    assert!(a.alloc(layout(isize::MAX as usize - 8191, 4096)).is_null());
    assert_eq!(
        a.top.arena.grows, 0,
        "refused layouts must not touch the arena"
    );
    // The largest class is served if the arena can grow (here it cannot).
    assert!(a.alloc(layout(1 << 30, 8)).is_null());
    assert_eq!(a.top.arena.grows, 1);
    assert_eq!(a.top.arena.used, 0);
}

#[test]
fn zero_sized_and_highly_aligned_layouts() {
    let mut a = small(4);
    let x = take(&mut a, layout(0, 1), 0);
    let y = take(&mut a, layout(0, 1), 0);
    assert_ne!(x.p, y.p, "zero-sized blocks are distinct");
    let z = take(&mut a, layout(0, 4096), 0);
    assert_eq!(z.p as usize % 4096, 0);
    let w = take(&mut a, layout(1, 4096), 7);
    assert_eq!(w.p as usize % 4096, 0);
    assert_ne!(w.p, z.p);
    let v = take(&mut a, layout(8192, 4096), 8);
    assert_eq!(v.p as usize % 4096, 0);
    check_all(&a, &[x, y, z, w, v]);
}

#[test]
fn realloc_keeps_contents_and_frees_the_old_block() {
    let mut a = small(16);
    let mut b = take(&mut a, layout(5, 1), 0x11);
    // Same class (8 bytes): the same block.
    // SAFETY: `b` is live with this layout; the result replaces it.
    let same = unsafe { a.realloc(b.p, b.layout, 8) };
    assert_eq!(same, b.p);
    let old = b.p;
    for (new_size, tag) in [(100, 0x22), (5000, 0x33), (40000, 0x44), (3, 0x55)] {
        let kept = b.layout.size().min(new_size);
        // SAFETY: `b` is live with this layout; the result replaces it.
        let p = unsafe { a.realloc(b.p, b.layout, new_size) };
        assert!(!p.is_null());
        assert_ne!(p, b.p, "a new class needs a new block");
        assert!(holds_tag(p, kept, b.tag), "realloc lost the contents");
        b = Live {
            p,
            layout: layout(new_size, 1),
            tag,
        };
        fill(p, new_size, tag);
    }
    // The first block (8-byte class), freed by the first move, came back for the last.
    assert_eq!(b.p, old);
    check_all(&a, &[b]);
}

#[test]
fn a_refused_realloc_leaves_the_block_as_it_was() {
    let mut a = small(1);
    let b = take(&mut a, layout(1000, 8), 0x5A);
    // SAFETY: `b` is live with this layout.
    assert!(unsafe { a.realloc(b.p, b.layout, 1 << 20) }.is_null());
    // SAFETY: as above.
    assert!(unsafe { a.realloc(b.p, b.layout, (1 << 30) + 1) }.is_null());
    check_all(&a, &[b]);
    // Still live: it is not on a free list.
    assert_ne!(a.alloc(layout(1024, 8)), b.p);
}

/// Random allocations, frees and reallocs of many sizes and alignments, checked
/// against every invariant and against a model of the free lists (last freed,
/// first reused, per class).
#[test]
fn random_operations_keep_every_invariant() {
    let steps = if cfg!(miri) { 600 } else { 20_000 };
    let mut rng = rng::XorShift(0x9E37_79B9_7F4A_7C15);
    let mut a: SizeClasses<Buffer<65536>> = SizeClasses::new(Buffer::new(256));
    let mut live: Vec<Live> = Vec::new();
    // The small blocks freed and not yet reused, per class: the top of each free
    // list. (Large blocks share one list of regions: `check_all` covers them.)
    let mut freed: Vec<Vec<*mut u8>> = (0..CLASSES).map(|_| Vec::new()).collect();
    let mut next_tag = 0u8;
    let mut tag = || {
        next_tag = next_tag % 250 + 1;
        next_tag
    };
    let random_layout = |rng: &mut rng::XorShift| {
        let size = match rng.below(10) {
            0 => 0,
            1..=6 => rng.below(128),
            7 => rng.below(4096),
            8 => rng.below(40_000),
            _ => rng.below(200_000),
        };
        let align = 1 << [0, 0, 0, 1, 2, 3, 3, 4, 6, 12][rng.below(10)];
        layout(size, align)
    };
    for step in 0..steps {
        // Half allocations, a quarter frees, a quarter reallocs; between 8 and 300
        // live blocks.
        let op = match (rng.below(4), live.len()) {
            (_, 0..=7) => 0,
            (0 | 1, 300..) => 2,
            (0 | 1, _) => 0,
            (2, _) => 1,
            _ => 2,
        };
        if op == 0 {
            let l = random_layout(&mut rng);
            let expected = (!is_large(l))
                .then(|| freed[class(l.size(), l.align())].pop())
                .flatten();
            let b = take(&mut a, l, tag());
            if let Some(e) = expected {
                assert_eq!(b.p, e, "step {step}: the last freed block of the class");
            }
            live.push(b);
        } else if op == 1 {
            let b = live.swap_remove(rng.below(live.len()));
            // SAFETY: `b` is live with this layout and removed from `live`.
            unsafe { a.dealloc(b.p, b.layout) };
            if !is_large(b.layout) {
                freed[class(b.layout.size(), b.layout.align())].push(b.p);
            }
        } else {
            let i = rng.below(live.len());
            let b = live[i];
            let new = layout(random_layout(&mut rng).size(), b.layout.align());
            let (c_old, c_new) = (
                class(b.layout.size(), b.layout.align()),
                class(new.size(), new.align()),
            );
            let (l_old, l_new) = (is_large(b.layout), is_large(new));
            let expected = if l_old && l_new {
                // Same or smaller: in place; larger: wherever a region fits.
                (block_size(new) <= block_size(b.layout)).then_some(b.p)
            } else if l_new {
                None
            } else if c_new == c_old && !l_old {
                Some(b.p)
            } else {
                freed[c_new].pop()
            };
            // SAFETY: `b` is live with this layout; the result replaces it.
            let p = unsafe { a.realloc(b.p, b.layout, new.size()) };
            assert!(!p.is_null());
            if let Some(e) = expected {
                assert_eq!(p, e, "step {step}: realloc's block");
            }
            assert!(
                holds_tag(p, b.layout.size().min(new.size()), b.tag),
                "step {step}: realloc lost the contents"
            );
            if !l_old && (c_new != c_old || l_new) {
                freed[c_old].push(b.p);
            }
            let t = tag();
            fill(p, new.size(), t);
            live[i] = Live {
                p,
                layout: new,
                tag: t,
            };
        }
        if step % 50 == 0 {
            check_all(&a, &live);
        }
    }
    check_all(&a, &live);
    assert!(a.top.arena.used > 1, "the test should have grown the arena");
}

/// The arena's used bytes (pages handed out).
fn used<const P: usize>(a: &SizeClasses<Buffer<P>>) -> usize {
    a.top.arena.used * P
}

#[test]
fn large_blocks_are_sized_by_units_not_powers_of_two() {
    let mut a: SizeClasses<Buffer<65536>> = SizeClasses::new(Buffer::new(256));
    // Up to LARGE / 2: a power of two; above: the next multiple of LARGE.
    assert_eq!(block_size(layout(LARGE / 2, 8)), LARGE / 2);
    assert_eq!(block_size(layout(LARGE / 2 + 1, 8)), LARGE);
    assert_eq!(
        block_size(layout(4 * 1024 * 1024 + 1, 1)),
        4 * 1024 * 1024 + LARGE
    );
    let b = take(&mut a, layout(4 * 1024 * 1024 + 1, 1), 1);
    // 4 MB + 1 byte costs 4 MB + 64 KB of arena, not 8 MB.
    assert_eq!(used(&a), 4 * 1024 * 1024 + LARGE);
    check_all(&a, &[b]);
}

#[test]
fn a_freed_large_block_at_the_top_goes_back_to_it_and_the_next_grows_from_there() {
    let mut a: SizeClasses<Buffer<65536>> = SizeClasses::new(Buffer::new(256));
    let small_block = take(&mut a, layout(100, 8), 1);
    let four = take(&mut a, layout(4 << 20, 1), 2);
    let after_four = used(&a);
    // SAFETY: allocated above with this layout, not used again.
    unsafe { a.dealloc(four.p, four.layout) };
    // 5 MB starts where the 4 MB block was: the arena grows by 1 MB only.
    let five = take(&mut a, layout(5 << 20, 1), 3);
    assert_eq!(five.p, four.p);
    assert_eq!(used(&a), after_four + (1 << 20));
    check_all(&a, &[small_block, five]);
}

#[test]
fn freed_large_blocks_merge_with_free_neighbours_and_are_split_on_reuse() {
    let mut a: SizeClasses<Buffer<65536>> = SizeClasses::new(Buffer::new(256));
    let [x, y, z] = [1u8, 2, 3].map(|t| take(&mut a, layout(3 * LARGE, 8), t));
    // A small chunk above them: they no longer reach the top.
    let lid = take(&mut a, layout(64, 8), 4);
    let grown = used(&a);
    // SAFETY: allocated above with these layouts, not used again.
    unsafe {
        a.dealloc(x.p, x.layout);
        a.dealloc(z.p, z.layout);
        a.dealloc(y.p, y.layout);
    }
    // One region of 9 units at x: 7 units come from its front, 2 from what is left.
    let seven = take(&mut a, layout(7 * LARGE, 8), 5);
    assert_eq!(seven.p, x.p);
    let two = take(&mut a, layout(2 * LARGE, 8), 6);
    assert_eq!(two.p, x.p.wrapping_add(7 * LARGE));
    assert_eq!(used(&a), grown, "no growth: everything reused");
    check_all(&a, &[seven, two, lid]);
}

#[test]
fn realloc_of_a_large_block_shrinks_in_place_and_frees_the_tail() {
    let mut a: SizeClasses<Buffer<65536>> = SizeClasses::new(Buffer::new(256));
    let b = take(&mut a, layout(10 * LARGE, 1), 1);
    let lid = take(&mut a, layout(64, 8), 2);
    // SAFETY: `b` is live with this layout; the result replaces it.
    let p = unsafe { a.realloc(b.p, b.layout, 4 * LARGE) };
    assert_eq!(p, b.p, "in place");
    assert!(holds_tag(p, 4 * LARGE, 1));
    // The freed tail (6 units) serves the next request of that size.
    let tail = take(&mut a, layout(6 * LARGE, 1), 3);
    assert_eq!(tail.p, b.p.wrapping_add(4 * LARGE));
    let shrunk = Live {
        p,
        layout: layout(4 * LARGE, 1),
        tag: 1,
    };
    check_all(&a, &[shrunk, lid, tail]);
}
