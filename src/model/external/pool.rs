//! Long-lived workers, one per concurrently running job: a job leases a slot, gets its worker
//! (started and greeted on first use, or again when the settings changed or the last call
//! failed), and gives it back for the next job. Slots may carry a device each; then there are as
//! many slots as devices, and every worker of a slot sees only its device.

use std::sync::{Condvar, Mutex};
use std::time::Duration;

use super::process::{Launch, WorkerProcess};
use super::WorkerError;

/// What a worker is started and greeted with; a leased worker started with other settings is
/// replaced.
#[derive(Debug, Clone, PartialEq)]
pub struct WorkerConfig {
    /// Command and threads (the device comes from the slot).
    pub command: Vec<String>,
    /// Threads per worker.
    pub threads: usize,
    /// The spec's `model.options`.
    pub options: serde_json::Map<String, serde_json::Value>,
    /// The limit on each call.
    pub timeout: Option<Duration>,
}

struct Slot {
    device: Option<String>,
    worker: Option<(WorkerConfig, WorkerProcess)>,
    busy: bool,
}

/// The slots and their workers.
pub struct Pool {
    slots: Mutex<Vec<Slot>>,
    freed: Condvar,
}

impl Pool {
    /// `size` slots without devices, or one slot per device when `devices` is not empty.
    pub fn new(size: usize, devices: &[String]) -> Pool {
        let slots = if devices.is_empty() {
            (0..size.max(1)).map(|_| None).collect::<Vec<_>>()
        } else {
            devices.iter().cloned().map(Some).collect()
        };
        Pool {
            slots: Mutex::new(
                slots
                    .into_iter()
                    .map(|device| Slot {
                        device,
                        worker: None,
                        busy: false,
                    })
                    .collect(),
            ),
            freed: Condvar::new(),
        }
    }

    /// How many workers can run at once.
    pub fn size(&self) -> usize {
        self.slots.lock().expect("not poisoned").len()
    }

    /// Waits for a free slot and leases it, preferring one whose worker is running.
    pub fn lease(&self) -> Lease<'_> {
        let mut slots = self.slots.lock().expect("not poisoned");
        loop {
            let free = |slot: &&Slot| !slot.busy;
            let chosen = (slots.iter().position(|s| free(&s) && s.worker.is_some()))
                .or_else(|| slots.iter().position(|s| free(&s)));
            if let Some(index) = chosen {
                let slot = &mut slots[index];
                slot.busy = true;
                return Lease {
                    pool: self,
                    index,
                    device: slot.device.clone(),
                    worker: slot.worker.take(),
                };
            }
            slots = self.freed.wait(slots).expect("not poisoned");
        }
    }

    /// Stops every idle worker (politely: `bye`, then a kill after a grace period).
    pub fn shutdown(&self) {
        let workers: Vec<WorkerProcess> = {
            let mut slots = self.slots.lock().expect("not poisoned");
            slots
                .iter_mut()
                .filter_map(|slot| slot.worker.take().map(|(_, worker)| worker))
                .collect()
        };
        std::thread::scope(|scope| {
            for worker in workers {
                scope.spawn(move || worker.shutdown());
            }
        });
    }
}

impl Drop for Pool {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// A leased slot: its worker comes back to the pool when the lease ends, unless it failed.
pub struct Lease<'a> {
    pool: &'a Pool,
    index: usize,
    device: Option<String>,
    worker: Option<(WorkerConfig, WorkerProcess)>,
}

impl Lease<'_> {
    /// The slot's worker for `config`: the running one if it was started with it, else a new
    /// one, started and greeted.
    pub fn worker(&mut self, config: &WorkerConfig) -> Result<&mut WorkerProcess, WorkerError> {
        if self.worker.as_ref().is_some_and(|(had, _)| had != config) {
            if let Some((_, old)) = self.worker.take() {
                old.shutdown();
            }
        }
        if self.worker.is_none() {
            let launch = Launch {
                command: config.command.clone(),
                threads: config.threads,
                device: self.device.clone(),
            };
            let mut process = WorkerProcess::spawn(&launch)?;
            process.hello(&config.options, config.threads, config.timeout)?;
            self.worker = Some((config.clone(), process));
        }
        Ok(&mut self.worker.as_mut().expect("just started").1)
    }

    /// Stops the worker after a failed call: the next job gets a fresh one.
    pub fn discard(&mut self) {
        self.worker.take();
    }
}

impl Drop for Lease<'_> {
    fn drop(&mut self) {
        let mut slots = self.pool.slots.lock().expect("not poisoned");
        let slot = &mut slots[self.index];
        slot.worker = self.worker.take();
        slot.busy = false;
        self.pool.freed.notify_one();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn there_is_one_slot_per_job_or_per_device() {
        assert_eq!(Pool::new(4, &[]).size(), 4);
        assert_eq!(Pool::new(0, &[]).size(), 1);
        let devices = ["0".to_owned(), "1".to_owned()];
        let pool = Pool::new(4, &devices);
        assert_eq!(pool.size(), 2);
        let first = pool.lease();
        let second = pool.lease();
        let mut seen = [first.device.clone(), second.device.clone()];
        seen.sort();
        assert_eq!(seen, [Some("0".to_owned()), Some("1".to_owned())]);
        drop(first);
        assert_eq!(
            pool.lease().device,
            Some("0".to_owned()),
            "a freed slot is leased again"
        );
    }
}
