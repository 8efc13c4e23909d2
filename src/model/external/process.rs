//! One worker process: started from the spec's argv (no shell), spoken to in JSON lines over its
//! stdin and stdout, with a timeout on every reply, and the last lines of its stderr kept for
//! error messages. The process dies with sisa: it is killed when dropped, and the kernel kills it
//! when sisa itself is killed (`PR_SET_PDEATHSIG`).

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Write};
use std::os::unix::process::CommandExt;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::protocol::{Reply, Request, PROTOCOL};
use super::{Failure, WorkerError};

/// Lines of stderr kept for messages.
const STDERR_LINES: usize = 40;

/// How long a worker may take to exit after `bye` before it is killed.
const EXIT_GRACE: Duration = Duration::from_secs(3);

/// How a worker is started: its argv and environment.
#[derive(Debug, Clone, PartialEq)]
pub struct Launch {
    /// The argv, program first.
    pub command: Vec<String>,
    /// Threads it may use (`OMP_NUM_THREADS` and the like).
    pub threads: usize,
    /// Its `CUDA_VISIBLE_DEVICES`, when it gets an accelerator.
    pub device: Option<String>,
}

/// A running worker.
pub struct WorkerProcess {
    child: Child,
    stdin: Option<ChildStdin>,
    replies: Receiver<String>,
    stderr: Arc<Mutex<VecDeque<String>>>,
    readers: Vec<JoinHandle<()>>,
    /// What the worker said it is, at hello.
    pub name: String,
    /// The fingerprint of the dataset it holds, once handed over.
    pub dataset: Option<String>,
}

impl WorkerProcess {
    /// Starts the worker; it still needs its `hello`.
    pub fn spawn(launch: &Launch) -> Result<WorkerProcess, WorkerError> {
        let (program, args) = launch
            .command
            .split_first()
            .expect("a checked command has a program");
        let mut command = Command::new(program);
        command
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .env("SISA_WORKER_PROTOCOL", PROTOCOL.to_string());
        let threads = launch.threads.to_string();
        for variable in ["OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"] {
            command.env(variable, &threads);
        }
        if let Some(device) = &launch.device {
            command.env("CUDA_VISIBLE_DEVICES", device);
        }
        // SAFETY: the closure runs in the child between fork and exec and only calls `prctl`
        // and `getppid`, which are async-signal-safe.
        unsafe {
            command.pre_exec(|| {
                if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
                if libc::getppid() == 1 {
                    // sisa died before the prctl took effect: do not outlive it.
                    libc::_exit(1);
                }
                Ok(())
            });
        }
        let mut child = command.spawn().map_err(|source| {
            WorkerError::new(Failure::Start {
                program: program.clone(),
                message: source.to_string(),
            })
        })?;
        let stdout = child.stdout.take().expect("piped stdout");
        let stderr_pipe = child.stderr.take().expect("piped stderr");
        let stderr = Arc::new(Mutex::new(VecDeque::new()));
        let (sender, replies) = mpsc::channel();
        let readers = vec![
            std::thread::spawn(move || {
                for line in BufReader::new(stdout).lines() {
                    let Ok(line) = line else { break };
                    if sender.send(line).is_err() {
                        break;
                    }
                }
            }),
            {
                let stderr = Arc::clone(&stderr);
                std::thread::spawn(move || keep_tail(stderr_pipe, &stderr))
            },
        ];
        Ok(WorkerProcess {
            stdin: child.stdin.take(),
            child,
            replies,
            stderr,
            readers,
            name: String::new(),
            dataset: None,
        })
    }

    /// Sends `request` and waits for its reply, at most `timeout`. A reply with `ok: false` is
    /// an error too. After any error the worker must not be used again.
    pub fn call(
        &mut self,
        request: &Request<'_>,
        timeout: Option<Duration>,
    ) -> Result<Reply, WorkerError> {
        let op = request.op();
        let reply = self
            .exchange(request, timeout)
            .and_then(|line| parse(op, &line));
        match reply {
            Ok(reply) if reply.ok => Ok(reply),
            Ok(reply) => Err(self.failed(Failure::Refused {
                op,
                message: reply.error.unwrap_or_else(|| "no error message".to_owned()),
            })),
            Err(failure) => Err(self.failed(failure)),
        }
    }

    /// The handshake: sends `hello` and checks the protocol version of the reply.
    pub fn hello(
        &mut self,
        options: &serde_json::Map<String, serde_json::Value>,
        threads: usize,
        timeout: Option<Duration>,
    ) -> Result<(), WorkerError> {
        let request = Request::Hello {
            protocol: PROTOCOL,
            options,
            threads,
        };
        let reply = self.call(&request, timeout)?;
        if reply.protocol != Some(PROTOCOL) {
            return Err(self.failed(Failure::Version {
                spoken: reply.protocol,
            }));
        }
        self.name = reply.name.unwrap_or_default();
        if let Some(version) = reply.version {
            self.name = format!("{} {version}", self.name).trim().to_owned();
        }
        Ok(())
    }

    /// An error for `failure`, with the tail of the worker's stderr. The worker is stopped
    /// first (it is not used after a failure), so its last lines are all read.
    pub fn failed(&mut self, failure: Failure) -> WorkerError {
        self.kill();
        self.join_readers();
        WorkerError {
            failure,
            stderr: self.stderr_tail(),
        }
    }

    /// The last lines the worker wrote to stderr.
    pub fn stderr_tail(&self) -> Vec<String> {
        let tail = self.stderr.lock().expect("not poisoned");
        tail.iter().cloned().collect()
    }

    /// Says `bye`, closes stdin and waits a little for the worker to exit; kills it otherwise.
    pub fn shutdown(mut self) {
        if let Some(mut stdin) = self.stdin.take() {
            let _ = stdin.write_all(Request::Bye.to_line().as_bytes());
            let _ = stdin.flush();
        }
        let deadline = Instant::now() + EXIT_GRACE;
        while Instant::now() < deadline {
            if !matches!(self.child.try_wait(), Ok(None)) {
                return;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        self.kill();
    }

    /// Kills the worker and reaps it.
    pub fn kill(&mut self) {
        self.stdin.take();
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
        }
        let _ = self.child.wait();
    }

    /// Writes one request line and reads one reply line.
    fn exchange(
        &mut self,
        request: &Request<'_>,
        timeout: Option<Duration>,
    ) -> Result<String, Failure> {
        let op = request.op();
        let stdin = self.stdin.as_mut().ok_or(Failure::Exited {
            op,
            status: "already stopped".to_owned(),
        })?;
        let written = stdin
            .write_all(request.to_line().as_bytes())
            .and_then(|()| stdin.flush());
        if written.is_err() {
            return Err(self.exited(op));
        }
        let received = match timeout {
            Some(limit) => self.replies.recv_timeout(limit),
            None => self
                .replies
                .recv()
                .map_err(|_| RecvTimeoutError::Disconnected),
        };
        match received {
            Ok(line) => Ok(line),
            Err(RecvTimeoutError::Timeout) => Err(Failure::Timeout {
                op,
                seconds: timeout.map_or(0.0, |t| t.as_secs_f64()),
            }),
            Err(RecvTimeoutError::Disconnected) => Err(self.exited(op)),
        }
    }

    /// The failure of a worker that stopped answering because it exited.
    fn exited(&mut self, op: &'static str) -> Failure {
        self.stdin.take();
        let status = match self.child.wait() {
            Ok(status) => status.to_string(),
            Err(error) => error.to_string(),
        };
        Failure::Exited { op, status }
    }

    /// Waits (a second at most: a grandchild may hold the pipes open) for the threads reading
    /// the worker's output to see its end, so the stderr tail is complete.
    fn join_readers(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(1);
        while Instant::now() < deadline && !self.readers.iter().all(JoinHandle::is_finished) {
            std::thread::sleep(Duration::from_millis(5));
        }
    }
}

impl Drop for WorkerProcess {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A reply line as a reply.
fn parse(op: &'static str, line: &str) -> Result<Reply, Failure> {
    serde_json::from_str(line).map_err(|error| Failure::Garbage {
        op,
        line: line.chars().take(200).collect(),
        message: error.to_string(),
    })
}

/// Keeps the last [`STDERR_LINES`] lines of `pipe` in `tail` until it closes.
fn keep_tail(pipe: impl std::io::Read, tail: &Mutex<VecDeque<String>>) {
    let mut reader = BufReader::new(pipe);
    let mut bytes = Vec::new();
    loop {
        bytes.clear();
        match reader.read_until(b'\n', &mut bytes) {
            Ok(0) | Err(_) => return,
            Ok(_) => {
                let line = String::from_utf8_lossy(&bytes).trim_end().to_owned();
                let mut tail = tail.lock().expect("not poisoned");
                if tail.len() == STDERR_LINES {
                    tail.pop_front();
                }
                tail.push_back(line);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn start(command: &[&str]) -> Result<WorkerProcess, WorkerError> {
        WorkerProcess::spawn(&Launch {
            command: command.iter().map(|part| part.to_string()).collect(),
            threads: 1,
            device: Some("7".to_owned()),
        })
    }

    fn hello(worker: &mut WorkerProcess, timeout: Option<Duration>) -> Failure {
        worker
            .hello(&serde_json::Map::new(), 1, timeout)
            .unwrap_err()
            .failure
    }

    #[test]
    fn a_missing_program_cannot_start() {
        let Err(error) = start(&["/nonexistent/worker"]) else {
            panic!("started")
        };
        assert!(matches!(error.failure, Failure::Start { .. }), "{error}");
    }

    #[test]
    fn an_echo_is_garbage_an_exit_is_an_exit_and_silence_times_out() {
        // `cat` echoes the request, which is JSON but not a reply (no `ok`).
        let mut echo = start(&["cat"]).unwrap();
        assert!(matches!(hello(&mut echo, None), Failure::Garbage { .. }));
        let mut exits = start(&["sh", "-c", "echo gone >&2; exit 4"]).unwrap();
        let error = exits.hello(&serde_json::Map::new(), 1, None).unwrap_err();
        assert!(matches!(error.failure, Failure::Exited { .. }), "{error}");
        assert_eq!(error.stderr, ["gone"]);
        let mut silent = start(&["sleep", "30"]).unwrap();
        let started = Instant::now();
        let failure = hello(&mut silent, Some(Duration::from_millis(200)));
        assert!(matches!(failure, Failure::Timeout { .. }), "{failure}");
        assert!(started.elapsed() < Duration::from_secs(5));
    }

    #[test]
    fn the_environment_carries_the_protocol_threads_and_device() {
        let mut worker = start(&[
            "sh",
            "-c",
            "echo $SISA_WORKER_PROTOCOL $OMP_NUM_THREADS $CUDA_VISIBLE_DEVICES >&2",
        ])
        .unwrap();
        let error = worker.hello(&serde_json::Map::new(), 1, None).unwrap_err();
        assert_eq!(error.stderr, ["1 1 7"]);
    }
}
