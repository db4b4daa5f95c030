//! The head split and every typed header read allocate nothing, shown with a counting global
//! allocator.
//!
//! This test binary holds a single test, so that no other test thread allocates while it counts.
// A global allocator can only be written with `unsafe impl GlobalAlloc`; it forwards to `System`
// and counts. Reviewed exception to the workspace's `deny(unsafe_code)`, for this test only.
#![allow(unsafe_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use hotline_sip::header::{CSeq, CallId, MediaType, NameAddr, Via};
use hotline_sip::{HeaderName, Message, ParserConfig, frame};

struct Counting;

static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every method forwards to `System` with the arguments it was given, so the allocator
// contract is `System`'s; the counter is an atomic and never allocates.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::SeqCst);
        // SAFETY: forwarded unchanged; the caller upholds `GlobalAlloc::alloc`'s contract.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` was allocated by `System` through `alloc` above with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::SeqCst);
        // SAFETY: forwarded unchanged; `ptr` came from `System` with `layout`.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Runs `f` and returns how many allocations it made.
fn count<T>(f: impl FnOnce() -> T) -> (usize, T) {
    let before = ALLOCATIONS.load(Ordering::SeqCst);
    let value = std::hint::black_box(f());
    (ALLOCATIONS.load(Ordering::SeqCst) - before, value)
}

const INVITE: &[u8] = include_bytes!("data/invite.sip");

#[test]
fn head_split_and_typed_reads_do_not_allocate() {
    assert_eq!(INVITE.len(), 466);
    let cfg = ParserConfig::default();
    // Warm up anything lazily initialized by the standard library.
    let _ = Message::parse(INVITE).unwrap();

    let (n, msg) = count(|| Message::parse_with(INVITE, &cfg).unwrap());
    assert_eq!(n, 0, "head split allocated");
    assert_eq!(msg.headers().len(), 9);

    let (n, status) = count(|| frame(INVITE, &cfg).unwrap());
    assert_eq!(n, 0, "stream framing allocated");
    assert_eq!(status, hotline_sip::Frame::Complete(466));

    let (n, via) = count(|| msg.top_via().unwrap());
    assert_eq!(n, 0, "Via allocated");
    assert_eq!(via.branch(), Some("z9hG4bK776asdhds"));
    let (n, vias) = count(|| {
        msg.via()
            .filter(|v: &Result<Via<'_>, _>| v.as_ref().is_ok_and(|v| v.port().is_none()))
            .count()
    });
    assert_eq!((n, vias), (0, 1), "Via iteration allocated");

    let (n, from) = count(|| msg.from().unwrap());
    assert_eq!(n, 0, "From allocated");
    let (n, tag) = count(|| from.tag());
    assert_eq!((n, tag), (0, Some("1928301774")));
    let (n, to) = count(|| msg.to().unwrap());
    assert_eq!(n, 0, "To allocated");
    let (n, display) = count(|| to.display_name().unwrap());
    assert_eq!(n, 0, "an unquoted display name allocated");
    assert_eq!(display, "Bob");

    let (n, cseq): (usize, CSeq<'_>) = count(|| msg.cseq().unwrap());
    assert_eq!((n, cseq.seq), (0, 314159));
    let (n, call_id): (usize, CallId<'_>) = count(|| msg.call_id().unwrap());
    assert_eq!((n, call_id.as_str()), (0, "a84b4c76e@pc33.atlanta.com"));
    let (n, mf) = count(|| msg.max_forwards().unwrap());
    assert_eq!((n, mf), (0, Some(70)));
    let (n, contacts) = count(|| {
        msg.contacts().filter(|c| c.as_ref().is_ok_and(|c| c.expires().is_none())).count()
    });
    assert_eq!((n, contacts), (0, 1), "Contact allocated");
    let (n, ct): (usize, Option<MediaType<'_>>) = count(|| msg.content_type().unwrap());
    assert_eq!(n, 0, "Content-Type allocated");
    assert!(ct.unwrap().matches("application", "sdp"));
    let (n, uri) = count(|| msg.request_uri().unwrap());
    assert_eq!(n, 0, "Request-URI allocated");
    assert_eq!(uri.as_sip().unwrap().user(), Some("bob"));
    let (n, to_again) = count(|| msg.parse_first::<NameAddr<'_>>(HeaderName::To).unwrap().unwrap());
    assert_eq!(n, 0, "parse_first allocated");
    assert_eq!(to_again.uri().as_str(), "sip:bob@biloxi.com");
    let (n, checked) = count(|| msg.check().is_ok());
    assert_eq!((n, checked), (0, true), "check allocated");
}
