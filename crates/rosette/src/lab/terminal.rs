//! The terminal of a lab session: the learner's login shell in the session's sandbox, on a
//! pseudo-terminal that outlives the browser connections showing it.
//!
//! A [`Hub`] owns one shell. Its output goes into a bounded scrollback and out to every
//! connected browser; input and window sizes come from any of them. When a browser goes
//! (a closed tab, a dropped network), the shell keeps running, and the next connection is
//! sent the scrollback first, so a learner who reconnects sees the screen they left. A shell
//! that exits (the learner typed `exit`) ends its hub; the next connection opens a new shell.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use labs::sandbox::{As, Sandbox, SandboxError, WindowSize};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::{broadcast, mpsc};

/// How many bytes of output a hub keeps for connections that come later.
pub const SCROLLBACK_BYTES: usize = 64 * 1024;
/// How many output chunks a slow connection may fall behind before it misses some.
const OUTPUT_QUEUE: usize = 256;
/// How many keystroke messages may wait for the shell.
const INPUT_QUEUE: usize = 64;
/// How many browser connections one terminal takes at once (tabs, devices).
pub const MAX_CONNECTIONS: usize = 8;

/// What a hub tells its connections.
#[derive(Debug, Clone)]
pub enum Output {
    /// Bytes the shell wrote.
    Bytes(axum::body::Bytes),
    /// The shell has gone.
    Ended,
}

/// What connections send to the shell.
#[derive(Debug)]
enum Input {
    Keys(Vec<u8>),
    Resize(WindowSize),
}

/// One shell shared by the connections that show it.
#[derive(Debug)]
pub struct Hub {
    input: mpsc::Sender<Input>,
    output: broadcast::Sender<Output>,
    scrollback: Mutex<VecDeque<u8>>,
    ended: AtomicBool,
    connections: std::sync::Arc<AtomicUsize>,
}

/// One browser's hold on a terminal; the place is freed when it is dropped.
#[derive(Debug)]
pub struct Connection(std::sync::Arc<AtomicUsize>);

impl Drop for Connection {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

impl Hub {
    /// Opens a login shell as the learner in `sandbox` and starts moving its bytes.
    pub async fn open(
        sandbox: &dyn Sandbox,
        size: WindowSize,
    ) -> Result<std::sync::Arc<Self>, SandboxError> {
        let terminal = sandbox.terminal(As::Learner, size).await?;
        let (input_tx, mut input_rx) = mpsc::channel(INPUT_QUEUE);
        let (output, _) = broadcast::channel(OUTPUT_QUEUE);
        let hub = std::sync::Arc::new(Self {
            input: input_tx,
            output,
            scrollback: Mutex::new(VecDeque::with_capacity(4096)),
            ended: AtomicBool::new(false),
            connections: std::sync::Arc::default(),
        });

        // Keystrokes and sizes to the shell. The task owns the terminal's input, so the shell
        // is killed when every sender (the hub) has gone.
        let mut keyboard = terminal.input;
        tokio::spawn(async move {
            while let Some(input) = input_rx.recv().await {
                let done = match input {
                    Input::Keys(keys) => keyboard.write_all(&keys).await.is_err(),
                    Input::Resize(size) => keyboard.resize(size).is_err(),
                };
                if done {
                    break;
                }
            }
        });

        // The shell's output to the scrollback and the connections.
        let reader = std::sync::Arc::downgrade(&hub);
        let mut screen = terminal.output;
        tokio::spawn(async move {
            let mut buffer = vec![0_u8; 8192];
            loop {
                // A pseudo-terminal whose other side has closed answers EIO, not end of file.
                let n = match screen.read(&mut buffer).await {
                    Ok(n) if n > 0 => n,
                    _ => break,
                };
                let Some(hub) = reader.upgrade() else { break };
                hub.publish(&buffer[..n]);
            }
            if let Some(hub) = reader.upgrade() {
                hub.ended.store(true, Ordering::SeqCst);
                let _ = hub.output.send(Output::Ended);
            }
        });
        Ok(hub)
    }

    /// Whether the shell has gone.
    pub fn ended(&self) -> bool {
        self.ended.load(Ordering::SeqCst)
    }

    /// A place for one more browser, unless [`MAX_CONNECTIONS`] are connected.
    pub fn connect(&self) -> Option<Connection> {
        let taken = self.connections.fetch_add(1, Ordering::SeqCst);
        let connection = Connection(self.connections.clone());
        (taken < MAX_CONNECTIONS).then_some(connection)
    }

    /// A new connection: the scrollback to show first, and what comes after it, with
    /// nothing lost or repeated between the two.
    pub fn attach(&self) -> (Vec<u8>, broadcast::Receiver<Output>) {
        let scrollback = self.scrollback.lock().unwrap_or_else(|e| e.into_inner());
        let receiver = self.output.subscribe();
        let (a, b) = scrollback.as_slices();
        ([a, b].concat(), receiver)
    }

    /// Sends typed bytes to the shell; false once it has gone.
    pub async fn type_keys(&self, keys: Vec<u8>) -> bool {
        self.input.send(Input::Keys(keys)).await.is_ok()
    }

    /// Tells the shell its window's size.
    pub async fn resize(&self, size: WindowSize) {
        let _ = self.input.send(Input::Resize(size)).await;
    }

    fn publish(&self, bytes: &[u8]) {
        let mut scrollback = self.scrollback.lock().unwrap_or_else(|e| e.into_inner());
        scrollback.extend(bytes);
        let excess = scrollback.len().saturating_sub(SCROLLBACK_BYTES);
        scrollback.drain(..excess);
        // Sent under the lock, so that `attach` sees each chunk either in the scrollback
        // or on its receiver, never both or neither.
        let _ = self
            .output
            .send(Output::Bytes(axum::body::Bytes::copy_from_slice(bytes)));
    }
}
