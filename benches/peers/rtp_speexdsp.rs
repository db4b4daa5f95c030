//! speexdsp's jitter buffer (`libspeexdsp`, Debian's libspeexdsp-dev) as an evaluation peer.
//!
//! A minimal FFI shim over `speex/speex_jitter.h`: [`SpeexJitter`] owns one `JitterBuffer*` and
//! drives it the way an application does, once per 20 ms tick: put the packets that arrived,
//! get one frame, tick.

use std::ffi::{c_char, c_int};
use std::time::Duration;

use hotline_rtp::eval::{PlayoutBuffer, Popped};
use hotline_rtp::network::TracePacket;

#[repr(C)]
struct JitterBufferPacket {
    data: *mut c_char,
    len: u32,
    timestamp: u32,
    span: u32,
    sequence: u16,
    user_data: u32,
}

#[repr(C)]
struct JitterBufferOpaque {
    _private: [u8; 0],
}

const JITTER_BUFFER_OK: c_int = 0;

#[allow(unsafe_code)]
#[link(name = "speexdsp")]
unsafe extern "C" {
    fn jitter_buffer_init(step_size: c_int) -> *mut JitterBufferOpaque;
    fn jitter_buffer_destroy(jitter: *mut JitterBufferOpaque);
    fn jitter_buffer_put(jitter: *mut JitterBufferOpaque, packet: *const JitterBufferPacket);
    fn jitter_buffer_get(
        jitter: *mut JitterBufferOpaque,
        packet: *mut JitterBufferPacket,
        desired_span: i32,
        start_offset: *mut i32,
    ) -> c_int;
    fn jitter_buffer_tick(jitter: *mut JitterBufferOpaque);
}

/// speexdsp's jitter buffer with its default settings, for 20 ms frames at 8 kHz.
#[derive(Debug)]
pub struct SpeexJitter {
    jb: *mut JitterBufferOpaque,
    span: u32,
    started: bool,
}

impl SpeexJitter {
    /// A buffer with step size and frame span `span` timestamp units (160 for 20 ms at 8 kHz).
    pub fn new(span: u32) -> Self {
        // SAFETY: `jitter_buffer_init` takes a plain integer and returns an owned pointer (or
        // null on allocation failure, checked below); no Rust memory is involved.
        #[allow(unsafe_code)]
        let jb = unsafe { jitter_buffer_init(span as c_int) };
        assert!(!jb.is_null(), "jitter_buffer_init failed");
        SpeexJitter { jb, span, started: false }
    }
}

impl Drop for SpeexJitter {
    fn drop(&mut self) {
        // SAFETY: `self.jb` came from `jitter_buffer_init`, is not null, and is destroyed once.
        #[allow(unsafe_code)]
        unsafe {
            jitter_buffer_destroy(self.jb);
        }
    }
}

impl PlayoutBuffer for SpeexJitter {
    fn push(&mut self, _now: Duration, index: usize, packet: &TracePacket) {
        let mut data = (index as u32).to_le_bytes();
        let p = JitterBufferPacket {
            data: data.as_mut_ptr().cast(),
            len: data.len() as u32,
            timestamp: packet.timestamp,
            span: self.span,
            sequence: packet.seq,
            user_data: index as u32,
        };
        // SAFETY: `self.jb` is live; `p` and the 4 bytes it points at outlive the call, and
        // speexdsp copies the data (no destroy callback is set).
        #[allow(unsafe_code)]
        unsafe {
            jitter_buffer_put(self.jb, &p);
        }
        self.started = true;
    }

    fn pop(&mut self, _now: Duration) -> Popped {
        let mut buf = [0u8; 64];
        let mut p = JitterBufferPacket {
            data: buf.as_mut_ptr().cast(),
            len: buf.len() as u32,
            timestamp: 0,
            span: 0,
            sequence: 0,
            user_data: 0,
        };
        let mut offset: i32 = 0;
        // SAFETY: `self.jb` is live; `p.data` points at `buf`, whose 64 bytes `p.len` announces,
        // so speexdsp copies at most that many; `p` and `offset` are valid for the call.
        #[allow(unsafe_code)]
        let status = unsafe {
            let status = jitter_buffer_get(self.jb, &mut p, self.span as i32, &mut offset);
            jitter_buffer_tick(self.jb);
            status
        };
        if status == JITTER_BUFFER_OK {
            Popped::Packet(p.user_data as usize)
        } else if self.started {
            Popped::Concealed
        } else {
            Popped::Nothing
        }
    }
}
