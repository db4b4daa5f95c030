//! A minimal FFI shim over spandsp 0.0.6 (Debian's `libspandsp-dev`): its DTMF receiver and its
//! block G.711 encoder and decoder, for side-by-side benchmarks. Compiled only with the `spandsp`
//! feature, which links `libspandsp`.
//!
//! The states are allocated by spandsp itself (`*_init(NULL, ...)`), so no C struct layout is
//! needed here; each wrapper frees its state on drop.

#![allow(unsafe_code)]

use std::ffi::{c_char, c_int, c_void};

#[repr(C)]
struct DtmfRxState {
    _private: [u8; 0],
}

#[repr(C)]
struct G711State {
    _private: [u8; 0],
}

type DigitsCallback = Option<unsafe extern "C" fn(*mut c_void, *const c_char, c_int)>;

#[link(name = "spandsp")]
unsafe extern "C" {
    fn dtmf_rx_init(
        s: *mut DtmfRxState,
        callback: DigitsCallback,
        user_data: *mut c_void,
    ) -> *mut DtmfRxState;
    fn dtmf_rx(s: *mut DtmfRxState, amp: *const i16, samples: c_int) -> c_int;
    fn dtmf_rx_get(s: *mut DtmfRxState, digits: *mut c_char, max: c_int) -> usize;
    fn dtmf_rx_free(s: *mut DtmfRxState) -> c_int;
    fn g711_init(s: *mut G711State, mode: c_int) -> *mut G711State;
    fn g711_encode(s: *mut G711State, g711_data: *mut u8, amp: *const i16, len: c_int) -> c_int;
    fn g711_decode(s: *mut G711State, amp: *mut i16, g711_data: *const u8, len: c_int) -> c_int;
    fn g711_free(s: *mut G711State) -> c_int;
}

/// spandsp's DTMF receiver; digits are collected in its buffer and read with [`DtmfRx::digits`].
pub struct DtmfRx {
    state: *mut DtmfRxState,
}

impl DtmfRx {
    /// A receiver with spandsp's default settings.
    pub fn new() -> Self {
        // SAFETY: a null state asks spandsp to allocate and initialise one; a null callback makes
        // it buffer the digits instead. The returned pointer is checked below and owned by `self`.
        let state = unsafe { dtmf_rx_init(std::ptr::null_mut(), None, std::ptr::null_mut()) };
        assert!(!state.is_null(), "dtmf_rx_init failed");
        DtmfRx { state }
    }

    /// Feeds samples (in chunks that fit a C int).
    pub fn process(&mut self, samples: &[i16]) {
        for chunk in samples.chunks(1 << 20) {
            // SAFETY: `state` is a live receiver; the pointer and length describe `chunk`, which
            // spandsp only reads; the length is below 2^20 and fits a C int.
            unsafe { dtmf_rx(self.state, chunk.as_ptr(), chunk.len() as c_int) };
        }
    }

    /// Takes the digits received so far.
    pub fn digits(&mut self) -> String {
        let mut buf = [0 as c_char; 128];
        // SAFETY: `buf` holds 128 bytes; spandsp writes at most `max` digits plus a terminating
        // NUL, so `max` is one less than the buffer.
        let n = unsafe { dtmf_rx_get(self.state, buf.as_mut_ptr(), 127) };
        buf[..n.min(127)].iter().map(|&c| c as u8 as char).collect()
    }
}

impl Default for DtmfRx {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for DtmfRx {
    fn drop(&mut self) {
        // SAFETY: `state` came from `dtmf_rx_init` with a null state (spandsp-allocated) and is
        // freed exactly once, here.
        unsafe { dtmf_rx_free(self.state) };
    }
}

/// spandsp's block G.711 codec in one law.
pub struct G711 {
    state: *mut G711State,
}

impl G711 {
    /// `ulaw`: μ-law (spandsp's `G711_ULAW` = 1), otherwise A-law (`G711_ALAW` = 0).
    pub fn new(ulaw: bool) -> Self {
        // SAFETY: a null state asks spandsp to allocate one; the mode is one of its two values.
        let state = unsafe { g711_init(std::ptr::null_mut(), c_int::from(ulaw)) };
        assert!(!state.is_null(), "g711_init failed");
        G711 { state }
    }

    /// Encodes `pcm` into `codes` (the shorter length).
    pub fn encode(&mut self, codes: &mut [u8], pcm: &[i16]) {
        let n = codes.len().min(pcm.len()).min(1 << 30);
        // SAFETY: `state` is live; spandsp writes `n` bytes to `codes` and reads `n` samples from
        // `pcm`, both at least `n` long; `n` fits a C int.
        unsafe { g711_encode(self.state, codes.as_mut_ptr(), pcm.as_ptr(), n as c_int) };
    }

    /// Decodes `codes` into `pcm` (the shorter length).
    pub fn decode(&mut self, pcm: &mut [i16], codes: &[u8]) {
        let n = codes.len().min(pcm.len()).min(1 << 30);
        // SAFETY: as in `encode`, with the roles of the buffers swapped.
        unsafe { g711_decode(self.state, pcm.as_mut_ptr(), codes.as_ptr(), n as c_int) };
    }
}

impl Drop for G711 {
    fn drop(&mut self) {
        // SAFETY: `state` came from `g711_init` with a null state and is freed exactly once, here.
        unsafe { g711_free(self.state) };
    }
}
