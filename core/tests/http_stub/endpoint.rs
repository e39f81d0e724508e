//! An endpoint on 127.0.0.1 whose behaviour a test changes while an engine fetches from it:
//! it holds a state `S`, decides from it for each connection whether to answer, hold the
//! connection open or be down (its port closed), and counts the connections it takes.

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

/// What the endpoint does with its next connection.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Gate {
    /// The answer function replies, on a thread of its own.
    Answer,
    /// The connection is accepted and never answered.
    Hang,
    /// The port is closed: connecting is refused.
    Down,
}

pub struct Endpoint<S> {
    addr: SocketAddr,
    state: Arc<Mutex<S>>,
    hits: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
}

impl<S: Clone + Send + 'static> Endpoint<S> {
    /// Starts serving: `gate` reads the state for each connection, and `answer` gets the
    /// connection with the state as it was when the connection came.
    pub fn start(state: S, gate: fn(&S) -> Gate, answer: fn(TcpStream, S)) -> Endpoint<S> {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let endpoint = Endpoint {
            addr,
            state: Arc::new(Mutex::new(state)),
            hits: Arc::new(AtomicUsize::new(0)),
            stop: Arc::new(AtomicBool::new(false)),
        };
        let (state, hits, stop) = (endpoint.state.clone(), endpoint.hits.clone(), endpoint.stop.clone());
        thread::spawn(move || serve(Some(listener), addr, state, gate, answer, hits, stop));
        endpoint
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Changes the state; connections from now on see the change.
    pub fn update(&self, change: impl FnOnce(&mut S)) {
        change(&mut self.state.lock().unwrap());
    }

    /// Changes the state, then gives the serving loop time to close or reopen its port.
    pub fn update_gate(&self, change: impl FnOnce(&mut S)) {
        self.update(change);
        thread::sleep(Duration::from_millis(50));
    }

    /// The connections taken so far (a hung one included).
    pub fn hits(&self) -> usize {
        self.hits.load(Ordering::SeqCst)
    }
}

impl<S> Drop for Endpoint<S> {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
    }
}

fn serve<S: Clone + Send + 'static>(
    mut listener: Option<TcpListener>,
    addr: SocketAddr,
    state: Arc<Mutex<S>>,
    gate: fn(&S) -> Gate,
    answer: fn(TcpStream, S),
    hits: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
) {
    let mut hung = Vec::new();
    while !stop.load(Ordering::SeqCst) {
        let current = gate(&state.lock().unwrap());
        if current == Gate::Down {
            listener = None;
            thread::sleep(Duration::from_millis(5));
            continue;
        }
        let l = listener.get_or_insert_with(|| TcpListener::bind(addr).unwrap());
        l.set_nonblocking(true).unwrap();
        let Ok((stream, _)) = l.accept() else {
            thread::sleep(Duration::from_millis(2));
            continue;
        };
        stream.set_nonblocking(false).unwrap();
        hits.fetch_add(1, Ordering::SeqCst);
        if current == Gate::Hang {
            hung.push(stream);
            continue;
        }
        let snapshot = state.lock().unwrap().clone();
        thread::spawn(move || answer(stream, snapshot));
    }
}
