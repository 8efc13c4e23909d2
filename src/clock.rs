//! Time measurement for honest cost (DESIGN.md invariant 3): CPU time of the calling thread and
//! wall time, read together. A timed region must not call into rayon, or stolen work lands in it.

use std::time::Instant;

/// A started measurement of thread CPU time and wall time.
#[derive(Debug, Clone, Copy)]
pub struct Stopwatch {
    cpu_start_s: f64,
    wall_start: Instant,
}

/// Time spent since a [`Stopwatch`] started.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Elapsed {
    /// CPU seconds used by the calling thread.
    pub cpu_s: f64,
    /// Wall-clock seconds.
    pub wall_s: f64,
}

impl Stopwatch {
    /// Starts measuring on the calling thread.
    pub fn start() -> Self {
        Stopwatch {
            cpu_start_s: thread_cpu_seconds(),
            wall_start: Instant::now(),
        }
    }

    /// Time since the start. Call it on the thread that started the stopwatch.
    pub fn elapsed(&self) -> Elapsed {
        Elapsed {
            cpu_s: (thread_cpu_seconds() - self.cpu_start_s).max(0.0),
            wall_s: self.wall_start.elapsed().as_secs_f64(),
        }
    }
}

/// CPU time consumed by the calling thread (`CLOCK_THREAD_CPUTIME_ID`), in seconds.
pub fn thread_cpu_seconds() -> f64 {
    let mut now = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `now` is a valid, writable timespec and the clock id is a constant libc provides.
    let status = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut now) };
    assert_eq!(status, 0, "the thread CPU clock is available on Linux");
    now.tv_sec as f64 + now.tv_nsec as f64 * 1e-9
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn busy_work_shows_cpu_time_and_sleep_does_not() {
        let watch = Stopwatch::start();
        let mut x = 0u64;
        while watch.elapsed().wall_s < 0.05 {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1);
        }
        std::hint::black_box(x);
        let busy = watch.elapsed();
        assert!(busy.cpu_s > 0.01, "{busy:?}");
        let watch = Stopwatch::start();
        std::thread::sleep(std::time::Duration::from_millis(50));
        let idle = watch.elapsed();
        assert!(idle.wall_s >= 0.05 && idle.cpu_s < 0.02, "{idle:?}");
    }
}
