//! The one async runtime the library owns: network work runs here, and the app's threads wait on it. Two
//! worker threads are plenty for one phone's sync and uploads.

use std::sync::OnceLock;

use tokio::runtime::Runtime;

pub(crate) fn runtime() -> &'static Runtime {
    static RUNTIME: OnceLock<Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("zhiban-sync")
            .enable_all()
            .build()
            .expect("the async runtime starts (threads and timers are available on every phone)")
    })
}

/// Runs `work` to completion on the runtime, blocking the calling (app) thread.
pub(crate) fn block_on<F: std::future::Future>(work: F) -> F::Output {
    runtime().block_on(work)
}
