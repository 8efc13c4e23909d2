//! Work that trials of one run share: a baseline whose training inputs equal those of a baseline
//! another trial already trained (the same dataset and test points, model settings, seed and
//! ordered training points, which its final checkpoint key captures) is taken from that trial
//! rather than trained again. A shard sweep removes the same points from the same training set for
//! every shard count (requests and the baseline's seed depend on the repeat and the request count,
//! not on the layout), so it trains each distinct baseline once. The row still reports the cost of
//! training it, so speed-ups stay honest, and says that it was reused.
//!
//! A trial that needs a baseline another trial is training waits for it; a trial that fails or is
//! interrupted while training one gives up its claim, and a waiting trial trains it instead.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};

use super::prepare::Prepared;
use crate::data::PointId;
use crate::sisa::{CheckpointKey, Cost, Engine};

/// The identity of a baseline's training and evaluation.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct BaselineKey {
    /// The dataset, as shared by the run's dataset cache (equal addresses, the same points).
    data: usize,
    /// A hash of the ordered test points the accuracy is measured on.
    test: [u8; 32],
    /// The final checkpoint keys: model fingerprint, seed and ordered training points.
    fits: Vec<CheckpointKey>,
}

impl BaselineKey {
    /// The key of `prepared`'s baseline trained by `engine` without `removed`.
    pub fn of(
        prepared: &Prepared,
        engine: &Engine<'_>,
        removed: &std::collections::HashSet<PointId>,
    ) -> Self {
        let mut test = blake3::Hasher::new();
        for id in &prepared.split.test {
            test.update(&id.0.to_le_bytes());
        }
        BaselineKey {
            data: Arc::as_ptr(&prepared.data) as usize,
            test: *test.finalize().as_bytes(),
            fits: engine.final_keys(removed),
        }
    }
}

/// What a baseline's training gave: its cost, its test accuracy and fits that hit their limit.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BaselineFit {
    /// The cost of training it (also when another trial reuses it).
    pub cost: Cost,
    /// The accuracy of its constituent on the test points.
    pub accuracy: f64,
    /// Its fits that stopped at their iteration limit.
    pub fits_at_limit: usize,
}

enum Entry {
    Training,
    Done(BaselineFit),
}

/// The baselines trained so far in a run, shared by its trials.
#[derive(Default)]
pub struct SharedBaselines {
    entries: Mutex<HashMap<BaselineKey, Entry>>,
    changed: Condvar,
    trained: AtomicUsize,
    reused: AtomicUsize,
}

/// What a trial that needs a baseline is to do.
pub enum Claim<'a> {
    /// Another trial trained it: use this.
    Reuse(BaselineFit),
    /// Train it, then [`Promise::keep`] the promise for the others.
    Train(Promise<'a>),
    /// Another trial is training it ([`SharedBaselines::claim_now`] only): claim it again with
    /// [`SharedBaselines::claim`], which waits, once this trial has kept its own promises.
    Wait(BaselineKey),
}

/// A trial's claim to train a baseline; dropped unkept (the training failed), it lets another
/// trial train it.
pub struct Promise<'a> {
    shared: &'a SharedBaselines,
    key: Option<BaselineKey>,
}

impl SharedBaselines {
    /// No baselines yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// The baseline under `key`: reused when trained, claimed when nobody trains it, and waited
    /// for while another trial trains it (never [`Claim::Wait`]).
    pub fn claim(&self, mut key: BaselineKey) -> Claim<'_> {
        let mut entries = self.entries.lock().expect("not poisoned");
        loop {
            match self.claim_locked(&mut entries, key) {
                Claim::Wait(again) => {
                    key = again;
                    entries = self.changed.wait(entries).expect("not poisoned");
                }
                claim => return claim,
            }
        }
    }

    /// [`SharedBaselines::claim`] without waiting: [`Claim::Wait`] while another trial trains it.
    pub fn claim_now(&self, key: BaselineKey) -> Claim<'_> {
        let mut entries = self.entries.lock().expect("not poisoned");
        self.claim_locked(&mut entries, key)
    }

    fn claim_locked(
        &self,
        entries: &mut HashMap<BaselineKey, Entry>,
        key: BaselineKey,
    ) -> Claim<'_> {
        match entries.get(&key) {
            Some(Entry::Done(fit)) => {
                self.reused.fetch_add(1, Ordering::Relaxed);
                Claim::Reuse(*fit)
            }
            Some(Entry::Training) => Claim::Wait(key),
            None => {
                entries.insert(key.clone(), Entry::Training);
                Claim::Train(Promise {
                    shared: self,
                    key: Some(key),
                })
            }
        }
    }

    /// Baselines trained and baselines reused so far.
    pub fn counts(&self) -> (usize, usize) {
        (
            self.trained.load(Ordering::Relaxed),
            self.reused.load(Ordering::Relaxed),
        )
    }
}

impl Promise<'_> {
    /// Records the trained baseline and wakes the trials waiting for it.
    pub fn keep(mut self, fit: BaselineFit) {
        let key = self.key.take().expect("a promise is kept once");
        let shared = self.shared;
        shared.trained.fetch_add(1, Ordering::Relaxed);
        let mut entries = shared.entries.lock().expect("not poisoned");
        entries.insert(key, Entry::Done(fit));
        shared.changed.notify_all();
    }
}

impl Drop for Promise<'_> {
    fn drop(&mut self) {
        if let Some(key) = self.key.take() {
            let mut entries = self.shared.entries.lock().expect("not poisoned");
            entries.remove(&key);
            self.shared.changed.notify_all();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(n: u8) -> BaselineKey {
        BaselineKey {
            data: 1,
            test: [n; 32],
            fits: Vec::new(),
        }
    }

    fn fit(accuracy: f64) -> BaselineFit {
        BaselineFit {
            cost: Cost::zero(),
            accuracy,
            fits_at_limit: 0,
        }
    }

    #[test]
    fn a_kept_baseline_is_reused_and_a_dropped_claim_is_claimed_again() {
        let shared = SharedBaselines::new();
        let Claim::Train(promise) = shared.claim(key(1)) else {
            panic!("nobody trained it yet")
        };
        promise.keep(fit(0.5));
        assert!(matches!(shared.claim(key(1)), Claim::Reuse(f) if f.accuracy == 0.5));
        let Claim::Train(failed) = shared.claim(key(2)) else {
            panic!("another key")
        };
        drop(failed);
        assert!(matches!(shared.claim(key(2)), Claim::Train(_)));
        assert_eq!(shared.counts(), (1, 1));
    }

    #[test]
    fn claiming_now_says_wait_rather_than_waiting() {
        let shared = SharedBaselines::new();
        let Claim::Train(promise) = shared.claim_now(key(4)) else {
            panic!("first claim trains")
        };
        assert!(matches!(shared.claim_now(key(4)), Claim::Wait(k) if k == key(4)));
        promise.keep(fit(0.25));
        assert!(matches!(shared.claim_now(key(4)), Claim::Reuse(f) if f.accuracy == 0.25));
        assert_eq!(shared.counts(), (1, 1));
    }

    #[test]
    fn a_trial_waits_for_a_baseline_another_is_training() {
        let shared = SharedBaselines::new();
        let Claim::Train(promise) = shared.claim(key(3)) else {
            panic!("first claim trains")
        };
        std::thread::scope(|scope| {
            let waiter = scope.spawn(|| match shared.claim(key(3)) {
                Claim::Reuse(fit) => fit.accuracy,
                Claim::Train(_) | Claim::Wait(_) => f64::NAN,
            });
            std::thread::sleep(std::time::Duration::from_millis(50));
            promise.keep(fit(0.75));
            assert_eq!(waiter.join().unwrap(), 0.75);
        });
    }
}
