//! The worker threads a run computes on: `--jobs` of them, shared by every trial.
//!
//! Work reaches the pool only as leaf jobs (one shard's training, one constituent's predictions),
//! submitted by a coordinating thread that waits for them. A worker therefore never waits on
//! another job while holding one, so it never picks up a whole other trial in the meantime: a
//! trial that finishes its last job is done at once, whatever else runs (see `runner::session`).
//! Results come back in job order, so they never depend on which thread ran what.

use std::sync::Mutex;

/// A pool of worker threads.
#[derive(Debug)]
pub struct Workers {
    pool: rayon::ThreadPool,
}

/// A pool that could not start.
#[derive(Debug, thiserror::Error)]
#[error("cannot start {jobs} worker threads: {message}")]
pub struct PoolError {
    jobs: usize,
    message: String,
}

impl Workers {
    /// A pool of `jobs` threads (at least 1).
    pub fn new(jobs: usize) -> Result<Workers, PoolError> {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(jobs.max(1))
            .thread_name(|index| format!("sisa-worker-{index}"))
            .build()
            .map_err(|error| PoolError {
                jobs,
                message: error.to_string(),
            })?;
        Ok(Workers { pool })
    }

    /// How many threads it has.
    pub fn jobs(&self) -> usize {
        self.pool.current_num_threads()
    }

    /// Runs `job(0)`, ..., `job(count - 1)` as separate jobs on the pool and returns their
    /// results in that order. The calling thread waits for them; when it is not itself one of
    /// the workers, it runs none of them, so the pool bounds the threads that compute.
    pub fn map<T, F>(&self, count: usize, job: F) -> Vec<T>
    where
        T: Send,
        F: Fn(usize) -> T + Sync,
    {
        let slots: Vec<Mutex<Option<T>>> = (0..count).map(|_| Mutex::new(None)).collect();
        self.pool.in_place_scope(|scope| {
            for (index, slot) in slots.iter().enumerate() {
                let job = &job;
                scope.spawn(move |_| {
                    let result = job(index);
                    *slot.lock().expect("not poisoned") = Some(result);
                });
            }
        });
        slots
            .into_iter()
            .map(|slot| {
                let result = slot.into_inner().expect("not poisoned");
                result.expect("every job ran to completion")
            })
            .collect()
    }

    /// Runs `work` on one of the workers and waits for it (for work that uses rayon's parallel
    /// iterators itself, such as generating a dataset).
    pub fn install<R: Send>(&self, work: impl FnOnce() -> R + Send) -> R {
        self.pool.install(work)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_come_back_in_job_order_on_the_pools_threads() {
        let workers = Workers::new(2).unwrap();
        let names = workers.map(8, |index| {
            let name = std::thread::current().name().unwrap_or_default().to_owned();
            (index * index, name)
        });
        let squares: Vec<usize> = names.iter().map(|(square, _)| *square).collect();
        assert_eq!(squares, vec![0, 1, 4, 9, 16, 25, 36, 49]);
        assert!(names
            .iter()
            .all(|(_, name)| name.starts_with("sisa-worker-")));
        assert!(workers.map(0, |index| index).is_empty());
    }
}
