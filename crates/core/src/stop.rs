//! [`StopSignal`]: how a long-running job (an adapter's receiver) is told to stop.

use std::future::Future;
use std::pin::Pin;

/// A future that resolves when the job must stop (its lease was lost, or shutdown).
pub type StopSignal = Pin<Box<dyn Future<Output = ()> + Send>>;
