//! Callbacks into the app: sync status changes, new alerts, documents changed (here or from the server).
//! Each subscription is a task on the library's runtime; the app's listener is called on a worker thread
//! set aside for blocking work, one call at a time per subscription, so a listener may call back into the
//! client. Dropping the `Subscription` (or `cancel`) stops it, and once that returns the library holds no
//! reference to the listener: a foreign runtime shutting down (the JVM, Python at exit) is not called into
//! by a thread it no longer serves.

use std::collections::HashSet;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::ThreadId;
use std::time::Duration;

use tokio::sync::broadcast::error::RecvError;
use tokio::task::JoinHandle;

use crate::client::ZhibanClient;
use crate::records::{Alert, SyncStatus};
use crate::runtime::runtime;

/// How often the status is looked at when no document changed (the connection changes on its own).
const STATUS_EVERY: Duration = Duration::from_secs(1);

#[uniffi::export(foreign)]
pub trait SyncStatusListener: Send + Sync {
    fn on_sync_status(&self, status: SyncStatus);
}

#[uniffi::export(foreign)]
pub trait AlertListener: Send + Sync {
    /// An alert that called this person, newly listed in their home at sync.
    fn on_alert(&self, alert: Alert);
}

#[uniffi::export(foreign)]
pub trait DocumentListener: Send + Sync {
    /// `document` (an `automerge:` URL) changed, on this phone or from the server.
    fn on_document_changed(&self, document: String);
}

/// A running subscription; dropping it stops it.
#[derive(uniffi::Object)]
pub struct Subscription {
    task: Mutex<Option<JoinHandle<()>>>,
    delivery: Arc<dyn Stop>,
}

#[uniffi::export]
impl Subscription {
    /// Stops the subscription. Once this returns, the listener is not called again, no call is still
    /// running (unless this is called from the listener itself), and the library holds no reference to it.
    pub fn cancel(&self) {
        if let Some(task) = self.task.lock().unwrap_or_else(|p| p.into_inner()).take() {
            task.abort();
        }
        self.delivery.stop();
    }
}

impl Drop for Subscription {
    fn drop(&mut self) {
        self.cancel();
    }
}

trait Stop: Send + Sync {
    fn stop(&self);
}

/// The app's listener, called one call at a time, until stopped.
struct Delivery<L: ?Sized> {
    state: Mutex<DeliveryState<L>>,
    call_ended: Condvar,
}

struct DeliveryState<L: ?Sized> {
    /// Taken (and dropped) when the subscription stops.
    listener: Option<Arc<L>>,
    /// The thread calling the listener now, if any.
    calling: Option<ThreadId>,
}

impl<L: ?Sized + Send + Sync + 'static> Delivery<L> {
    fn new(listener: Arc<L>) -> Arc<Self> {
        let state = DeliveryState { listener: Some(listener), calling: None };
        Arc::new(Delivery { state: Mutex::new(state), call_ended: Condvar::new() })
    }

    fn lock(&self) -> MutexGuard<'_, DeliveryState<L>> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Calls the listener with `call` on a thread set aside for blocking work, and waits for it: a slow
    /// listener holds up its own subscription only.
    async fn deliver(self: &Arc<Self>, call: impl FnOnce(&L) + Send + 'static) {
        let delivery = self.clone();
        let called = tokio::task::spawn_blocking(move || {
            let listener = {
                let mut state = delivery.lock();
                let Some(listener) = state.listener.clone() else { return };
                state.calling = Some(std::thread::current().id());
                listener
            };
            call(&listener);
            drop(listener);
            delivery.lock().calling = None;
            delivery.call_ended.notify_all();
        });
        if let Err(e) = called.await {
            tracing::warn!(error = %e, "a listener failed");
        }
    }
}

impl<L: ?Sized + Send + Sync + 'static> Stop for Delivery<L> {
    /// Waits for a call in progress on another thread, then drops the listener on this one.
    fn stop(&self) {
        let me = std::thread::current().id();
        let mut state = self.lock();
        while state.calling.is_some_and(|thread| thread != me) {
            state = self.call_ended.wait(state).unwrap_or_else(|p| p.into_inner());
        }
        let listener = state.listener.take();
        drop(state);
        drop(listener);
    }
}

fn subscription<L>(task: JoinHandle<()>, delivery: Arc<Delivery<L>>) -> Arc<Subscription>
where
    L: ?Sized + Send + Sync + 'static,
{
    Arc::new(Subscription { task: Mutex::new(Some(task)), delivery })
}

#[uniffi::export]
impl ZhibanClient {
    /// Calls `listener` with every document that changes, here or from the server.
    pub fn subscribe_documents(&self, listener: Arc<dyn DocumentListener>) -> Arc<Subscription> {
        let mut changes = self.core.subscribe();
        let delivery = Delivery::new(listener);
        let calls = delivery.clone();
        let task = runtime().spawn(async move {
            loop {
                match changes.recv().await {
                    Ok(id) => calls.deliver(move |l| l.on_document_changed(id.url())).await,
                    // Missed some: the app re-reads what it shows, so carry on.
                    Err(RecvError::Lagged(_)) => continue,
                    Err(RecvError::Closed) => return,
                }
            }
        });
        subscription(task, delivery)
    }

    /// Calls `listener` with the sync status now and whenever it changes.
    pub fn subscribe_sync_status(self: Arc<Self>, listener: Arc<dyn SyncStatusListener>) -> Arc<Subscription> {
        let mut changes = self.core.subscribe();
        let delivery = Delivery::new(listener);
        let calls = delivery.clone();
        let task = runtime().spawn(async move {
            let mut last: Option<SyncStatus> = None;
            loop {
                match self.status() {
                    Ok(status) if last.as_ref() != Some(&status) => {
                        last = Some(status.clone());
                        calls.deliver(move |l| l.on_sync_status(status)).await;
                    }
                    Ok(_) => {}
                    Err(e) => tracing::warn!(error = %e, "cannot read the sync status"),
                }
                tokio::select! {
                    changed = changes.recv() => if matches!(changed, Err(RecvError::Closed)) { return },
                    () = tokio::time::sleep(STATUS_EVERY) => {}
                }
            }
        });
        subscription(task, delivery)
    }

    /// Calls `listener` with each alert newly listed in this person's home as syncs bring them (the
    /// alerts open when subscribing are not repeated: `open_alerts` lists them).
    pub fn subscribe_alerts(self: Arc<Self>, listener: Arc<dyn AlertListener>) -> Arc<Subscription> {
        let mut changes = self.core.subscribe();
        let open = |client: &ZhibanClient| -> Vec<Alert> { client.open_alerts().unwrap_or_default() };
        let mut known: HashSet<Option<String>> = open(&self).into_iter().map(|a| a.alert).collect();
        let delivery = Delivery::new(listener);
        let calls = delivery.clone();
        let task = runtime().spawn(async move {
            loop {
                match changes.recv().await {
                    Ok(id) if self.core.home_document().ok().flatten() == Some(id) => {
                        for alert in open(&self) {
                            if known.insert(alert.alert.clone()) {
                                calls.deliver(move |l| l.on_alert(alert)).await;
                            }
                        }
                    }
                    Ok(_) | Err(RecvError::Lagged(_)) => continue,
                    Err(RecvError::Closed) => return,
                }
            }
        });
        subscription(task, delivery)
    }
}
