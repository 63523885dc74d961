//! Recording deliveries in groups: every delivery that finishes while another group is being
//! written joins the next group, so N concurrent sends cost one database write instead of N
//! (group commit, with tokio's async locks only: no task of its own).

use std::sync::Mutex;

use tokio::sync::oneshot;

use super::{Engine, EngineError};
use crate::outbox::OutboxId;
use crate::ports::StoreError;

/// Deliveries waiting to be recorded, and the lock of the one writing a group.
#[derive(Default)]
pub(super) struct Acks {
    pending: Mutex<Vec<Pending>>,
    writer: tokio::sync::Mutex<()>,
}

struct Pending {
    id: OutboxId,
    platform_msg_id: Option<String>,
    done: oneshot::Sender<Result<bool, String>>,
}

impl Engine {
    /// Records that a row was delivered (with the platform's message id); returns whether
    /// rows of its queue wait behind it. Waits until its group is written.
    pub(super) async fn record_delivery(
        &self,
        id: OutboxId,
        platform_msg_id: Option<&str>,
    ) -> Result<bool, EngineError> {
        let (done, result) = oneshot::channel();
        self.acks
            .pending
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(Pending {
                id,
                platform_msg_id: platform_msg_id.map(str::to_owned),
                done,
            });
        {
            let _writing = self.acks.writer.lock().await;
            let group =
                std::mem::take(&mut *self.acks.pending.lock().unwrap_or_else(|p| p.into_inner()));
            if !group.is_empty() {
                let rows: Vec<(OutboxId, Option<String>)> = group
                    .iter()
                    .map(|p| (p.id, p.platform_msg_id.clone()))
                    .collect();
                match self.store.outbox_delivered(&rows, self.clock.now()).await {
                    Ok(behind) => {
                        for (p, b) in group.into_iter().zip(behind) {
                            let _ = p.done.send(Ok(b));
                        }
                    }
                    Err(e) => {
                        let e = e.to_string();
                        for p in group {
                            let _ = p.done.send(Err(e.clone()));
                        }
                    }
                }
            }
        }
        match result.await {
            Ok(Ok(behind)) => Ok(behind),
            Ok(Err(e)) => Err(StoreError::Backend(e.into()).into()),
            Err(_) => Err(StoreError::Backend("a delivery was not recorded".into()).into()),
        }
    }
}
