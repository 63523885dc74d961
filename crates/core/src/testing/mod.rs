//! In-memory ports for tests of any crate (feature `testing`): [`MemoryStore`],
//! [`RecordingChannel`] and [`ManualClock`], and [`FaultyStore`], a decorator of any Store that
//! fails on demand (fault injection).

mod faulty;
mod memory;

pub use crate::counting::{CountingRecorder, Tally};
pub use faulty::FaultyStore;
pub use memory::MemoryStore;

use std::collections::{HashSet, VecDeque};
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;

use crate::ports::*;
use crate::types::*;

/// A clock that moves only when told.
#[derive(Debug, Default)]
pub struct ManualClock(AtomicI64);

impl ManualClock {
    /// A clock at `start`.
    pub fn new(start: Timestamp) -> Arc<ManualClock> {
        Arc::new(ManualClock(AtomicI64::new(start.0)))
    }
    /// Moves the clock forward.
    pub fn advance_minutes(&self, minutes: i64) {
        self.0.fetch_add(minutes * 60_000, Ordering::SeqCst);
    }
    /// Moves the clock forward by milliseconds.
    pub fn advance_millis(&self, ms: i64) {
        self.0.fetch_add(ms, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Timestamp {
        Timestamp(self.0.load(Ordering::SeqCst))
    }
}

/// One call a [`RecordingChannel`] received.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Call {
    /// `send`.
    Send(Endpoint, OutMessage),
    /// `open_room` with its title; the room it returned.
    OpenRoom(String, Endpoint),
    /// `rename_room`.
    Rename(Endpoint, String),
    /// `close_room`.
    Close(Endpoint),
    /// `reopen_room`.
    Reopen(Endpoint),
}

/// A Channel that records every call; rooms are `room-N` threads of the desk chat.
pub struct RecordingChannel {
    platform: Platform,
    calls: Mutex<Vec<Call>>,
    rooms: AtomicI64,
    fail: AtomicBool,
    faults: Mutex<VecDeque<Fault>>,
    gone: Mutex<HashSet<Endpoint>>,
    blocked: Mutex<HashSet<String>>,
    down: Mutex<HashSet<String>>,
}

/// An error a [`RecordingChannel`] answers on demand, as a platform would.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// 429 with this `retry_after` in milliseconds.
    RateLimited(u64),
    /// A network error or a 5xx.
    Unavailable,
    /// A 400 that no retry fixes.
    Refused,
    /// The room (topic, thread) was deleted.
    RoomGone,
    /// The recipient blocked the bot.
    Unreachable,
}

impl Fault {
    fn error(self) -> ChannelError {
        match self {
            Fault::RateLimited(ms) => ChannelError::RateLimited { retry_after_ms: ms },
            Fault::Unavailable => ChannelError::Unavailable("injected: unavailable".into()),
            Fault::Refused => ChannelError::Refused("injected: bad request".into()),
            Fault::RoomGone => ChannelError::RoomGone("injected: thread not found".into()),
            Fault::Unreachable => ChannelError::Unreachable("injected: bot was blocked".into()),
        }
    }
}

impl RecordingChannel {
    /// A channel for `platform`.
    pub fn new(platform: Platform) -> Arc<RecordingChannel> {
        Arc::new(RecordingChannel {
            platform,
            calls: Mutex::new(Vec::new()),
            rooms: AtomicI64::new(0),
            fail: AtomicBool::new(false),
            faults: Mutex::default(),
            gone: Mutex::default(),
            blocked: Mutex::default(),
            down: Mutex::default(),
        })
    }

    /// Makes every call fail with [`ChannelError::Unavailable`] (true) or succeed (false).
    pub fn set_failing(&self, fail: bool) {
        self.fail.store(fail, Ordering::SeqCst);
    }

    /// All calls so far.
    pub fn calls(&self) -> Vec<Call> {
        self.calls.lock().unwrap().clone()
    }

    /// Messages sent to `to`, in order.
    pub fn sent_to(&self, to: &Endpoint) -> Vec<OutMessage> {
        self.calls()
            .into_iter()
            .filter_map(|c| match c {
                Call::Send(e, m) if &e == to => Some(m),
                _ => None,
            })
            .collect()
    }

    /// Rooms opened, with their titles.
    pub fn rooms(&self) -> Vec<(String, Endpoint)> {
        self.calls()
            .into_iter()
            .filter_map(|c| match c {
                Call::OpenRoom(t, e) => Some((t, e)),
                _ => None,
            })
            .collect()
    }

    /// Forgets the calls so far.
    pub fn clear(&self) {
        self.calls.lock().unwrap().clear();
    }

    /// Answers the next calls with these errors, one call each, before behaving again.
    pub fn fail_next(&self, faults: &[Fault]) {
        self.faults.lock().unwrap().extend(faults.iter().copied());
    }

    /// Faults queued with [`RecordingChannel::fail_next`] not yet answered.
    pub fn pending_faults(&self) -> usize {
        self.faults.lock().unwrap().len()
    }

    /// Deletes a room: every later call on it answers [`Fault::RoomGone`].
    pub fn delete_room(&self, room: &Endpoint) {
        self.gone.lock().unwrap().insert(room.clone());
    }

    /// The recipient of this chat blocks the bot: sends to it answer [`Fault::Unreachable`].
    pub fn block(&self, chat_id: &str) {
        self.blocked.lock().unwrap().insert(chat_id.to_owned());
    }

    /// While `down`, sends to this chat answer [`Fault::Unavailable`] (an outage of one
    /// recipient; other chats work).
    pub fn set_chat_down(&self, chat_id: &str, down: bool) {
        let mut d = self.down.lock().unwrap();
        if down {
            d.insert(chat_id.to_owned());
        } else {
            d.remove(chat_id);
        }
    }

    fn check(&self) -> Result<(), ChannelError> {
        if self.fail.load(Ordering::SeqCst) {
            return Err(ChannelError::Unavailable("test channel set to fail".into()));
        }
        if let Some(f) = self.faults.lock().unwrap().pop_front() {
            return Err(f.error());
        }
        Ok(())
    }

    fn check_at(&self, to: &Endpoint) -> Result<(), ChannelError> {
        self.check()?;
        if self.gone.lock().unwrap().contains(to) {
            return Err(Fault::RoomGone.error());
        }
        if self.blocked.lock().unwrap().contains(&to.chat_id) {
            return Err(Fault::Unreachable.error());
        }
        if self.down.lock().unwrap().contains(&to.chat_id) {
            return Err(Fault::Unavailable.error());
        }
        Ok(())
    }
}

#[async_trait]
impl Channel for RecordingChannel {
    fn platform(&self) -> Platform {
        self.platform.clone()
    }
    async fn send(&self, to: &Endpoint, msg: &OutMessage) -> Result<Sent, ChannelError> {
        self.check_at(to)?;
        let mut calls = self.calls.lock().unwrap();
        calls.push(Call::Send(to.clone(), msg.clone()));
        Ok(Sent {
            message_id: Some(calls.len().to_string()),
        })
    }
    async fn open_room(&self, desk: &Endpoint, title: &str) -> Result<Endpoint, ChannelError> {
        self.check()?;
        // Unique across channel instances, as a platform's thread ids are across replicas.
        static ROOMS: AtomicI64 = AtomicI64::new(0);
        self.rooms.fetch_add(1, Ordering::SeqCst);
        let n = ROOMS.fetch_add(1, Ordering::SeqCst) + 1;
        let room = Endpoint {
            platform: desk.platform.clone(),
            chat_id: desk.chat_id.clone(),
            thread_id: Some(format!("room-{n}")),
        };
        self.calls
            .lock()
            .unwrap()
            .push(Call::OpenRoom(title.to_owned(), room.clone()));
        Ok(room)
    }
    async fn rename_room(&self, room: &Endpoint, title: &str) -> Result<(), ChannelError> {
        self.check()?;
        self.calls
            .lock()
            .unwrap()
            .push(Call::Rename(room.clone(), title.to_owned()));
        Ok(())
    }
    async fn close_room(&self, room: &Endpoint) -> Result<(), ChannelError> {
        self.check_at(room)?;
        self.calls.lock().unwrap().push(Call::Close(room.clone()));
        Ok(())
    }
    async fn reopen_room(&self, room: &Endpoint) -> Result<(), ChannelError> {
        self.check_at(room)?;
        self.calls.lock().unwrap().push(Call::Reopen(room.clone()));
        Ok(())
    }
}
