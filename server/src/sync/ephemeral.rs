//! Limits on ephemeral messages (presence, cursors: relayed to a document's other peers, never stored). They
//! cost the server a copy per peer of the document, so one connection may send only small ones, at a rate
//! a person's app needs: what is over the rate is dropped (the next one carries the latest state anyway).

use tokio::time::Instant;

/// Largest ephemeral message relayed; a larger one closes the connection with the reason.
pub const MAX_EPHEMERAL_BYTES: usize = 64 * 1024;
/// Ephemeral messages one connection may send per second, over time.
pub const EPHEMERAL_PER_SECOND: f64 = 10.0;
/// Ephemeral messages one connection may send at once (a page opening several documents).
pub const EPHEMERAL_BURST: f64 = 50.0;

/// A token bucket per connection: `EPHEMERAL_BURST` tokens, refilled at `EPHEMERAL_PER_SECOND`.
pub struct EphemeralAllowance {
    tokens: f64,
    /// A rate is about real seconds: the machine's clock, not the office's.
    refilled: Instant,
}

impl Default for EphemeralAllowance {
    fn default() -> Self {
        Self { tokens: EPHEMERAL_BURST, refilled: Instant::now() }
    }
}

impl EphemeralAllowance {
    /// Whether one more message may be relayed now; takes a token if so.
    pub fn take(&mut self) -> bool {
        self.take_at(Instant::now())
    }

    fn take_at(&mut self, now: Instant) -> bool {
        let elapsed = now.saturating_duration_since(self.refilled);
        self.refilled = now;
        self.tokens = (self.tokens + elapsed.as_secs_f64() * EPHEMERAL_PER_SECOND).min(EPHEMERAL_BURST);
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

/// Why an ephemeral message is refused outright, if it is.
pub fn too_large(data: &[u8]) -> Option<String> {
    (data.len() > MAX_EPHEMERAL_BYTES).then(|| {
        format!(
            "an ephemeral message of {} bytes is larger than the {} KiB the server relays; send presence, not documents",
            data.len(),
            MAX_EPHEMERAL_BYTES / 1024
        )
    })
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn a_burst_then_the_steady_rate() {
        let start = Instant::now();
        let mut allowance = EphemeralAllowance { tokens: EPHEMERAL_BURST, refilled: start };
        let burst = (0..200).filter(|_| allowance.take_at(start)).count();
        assert_eq!(burst, EPHEMERAL_BURST as usize);
        let later = start + Duration::from_secs(2);
        let refilled = (0..200).filter(|_| allowance.take_at(later)).count();
        assert_eq!(refilled, (2.0 * EPHEMERAL_PER_SECOND) as usize);
        let much_later = later + Duration::from_secs(3600);
        assert_eq!((0..200).filter(|_| allowance.take_at(much_later)).count(), EPHEMERAL_BURST as usize, "capped");
    }

    #[test]
    fn only_large_messages_are_refused() {
        assert!(too_large(&vec![0; MAX_EPHEMERAL_BYTES]).is_none());
        assert!(too_large(&vec![0; MAX_EPHEMERAL_BYTES + 1]).expect("refused").contains("64 KiB"));
    }
}
