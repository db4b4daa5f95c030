//! SIP transports: one UDP socket, and a TCP listener with one reader task per connection that
//! frames messages (hotline-sip's incremental framing) and hands each whole message to the sip
//! task. Writes go out through [`Outbound`]: UDP directly, TCP through the connection's writer.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;

use hotline_sip::{Frame, ParserConfig};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, UdpSocket};
use tokio::sync::mpsc;

use crate::sip::SipInput;

/// Largest SIP message over TCP (and largest UDP datagram read).
pub const MAX_MESSAGE: usize = 64 * 1024;

/// Binds UDP and TCP on `addr`.
///
/// # Errors
///
/// A clear message when the port is in use or not allowed.
pub async fn bind(addr: SocketAddr) -> Result<(Arc<UdpSocket>, TcpListener), String> {
    let udp = UdpSocket::bind(addr).await.map_err(|e| bind_error("SIP over UDP", addr, &e))?;
    // Port 0 picks a free UDP port; TCP takes the same number.
    let addr = udp.local_addr().map_err(|e| bind_error("SIP over UDP", addr, &e))?;
    let tcp = TcpListener::bind(addr).await.map_err(|e| bind_error("SIP over TCP", addr, &e))?;
    Ok((Arc::new(udp), tcp))
}

/// "cannot listen for X on ADDR: the port is in use (another SIP server?)".
pub fn bind_error(what: &str, addr: SocketAddr, e: &std::io::Error) -> String {
    let why = match e.kind() {
        std::io::ErrorKind::AddrInUse => {
            "the port is in use by another program; stop it or choose another port".to_owned()
        }
        std::io::ErrorKind::PermissionDenied => {
            "permission denied (ports below 1024 need privileges)".to_owned()
        }
        std::io::ErrorKind::AddrNotAvailable => "this host has no such address".to_owned(),
        _ => e.to_string(),
    };
    format!("cannot listen for {what} on {addr}: {why}")
}

/// Reads datagrams forever.
pub fn spawn_udp(socket: Arc<UdpSocket>, to_sip: mpsc::UnboundedSender<SipInput>) {
    tokio::spawn(async move {
        let mut buf = vec![0u8; MAX_MESSAGE];
        loop {
            match socket.recv_from(&mut buf).await {
                Ok((n, from)) => {
                    if to_sip.send(SipInput::Udp { bytes: buf[..n].to_vec(), from }).is_err() {
                        break;
                    }
                }
                Err(e) => tracing::debug!("SIP UDP receive: {e}"),
            }
        }
    });
}

/// Accepts connections forever; each gets a reader task and a writer task.
pub fn spawn_tcp(listener: TcpListener, to_sip: mpsc::UnboundedSender<SipInput>) {
    tokio::spawn(async move {
        loop {
            let Ok((stream, from)) = listener.accept().await else { continue };
            let (mut reader, mut writer) = stream.into_split();
            let (wtx, mut wrx) = mpsc::unbounded_channel::<Vec<u8>>();
            if to_sip.send(SipInput::TcpOpen { from, writer: wtx }).is_err() {
                break;
            }
            tokio::spawn(async move {
                while let Some(bytes) = wrx.recv().await {
                    if writer.write_all(&bytes).await.is_err() {
                        break;
                    }
                }
            });
            let to_sip = to_sip.clone();
            tokio::spawn(async move {
                let config = ParserConfig::default();
                let mut buf: Vec<u8> = Vec::with_capacity(4096);
                let mut chunk = vec![0u8; 16 * 1024];
                'read: loop {
                    let n = match reader.read(&mut chunk).await {
                        Ok(0) | Err(_) => break,
                        Ok(n) => n,
                    };
                    buf.extend_from_slice(&chunk[..n]);
                    loop {
                        match hotline_sip::frame(&buf, &config) {
                            Ok(Frame::Complete(len)) => {
                                let msg: Vec<u8> = buf.drain(..len).collect();
                                let _ = to_sip.send(SipInput::Tcp { bytes: msg, from });
                            }
                            Ok(Frame::KeepAlive(len)) => {
                                buf.drain(..len);
                            }
                            Ok(Frame::Partial) => break,
                            Err(e) => {
                                tracing::info!(%from, "closing a TCP connection that cannot be framed: {e}");
                                break 'read;
                            }
                        }
                    }
                    if buf.len() > MAX_MESSAGE {
                        tracing::info!(%from, "closing a TCP connection: a message over {MAX_MESSAGE} bytes");
                        break;
                    }
                }
                let _ = to_sip.send(SipInput::TcpClosed { from });
            });
        }
    });
}

/// Where the sip task writes.
#[derive(Debug)]
pub struct Outbound {
    /// The UDP socket.
    pub udp: Arc<UdpSocket>,
    /// Open TCP connections by peer address.
    pub tcp: HashMap<SocketAddr, mpsc::UnboundedSender<Vec<u8>>>,
}

impl Outbound {
    /// Sends `bytes` to `remote`; false when the TCP connection is gone or UDP refused it.
    pub fn send(&self, remote: hotline_sip::transaction::Remote, bytes: Vec<u8>) -> bool {
        match remote.transport {
            hotline_sip::transaction::Transport::Udp => {
                self.udp.try_send_to(&bytes, remote.addr).is_ok()
            }
            _ => self.tcp.get(&remote.addr).is_some_and(|w| w.send(bytes).is_ok()),
        }
    }
}
