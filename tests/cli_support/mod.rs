//! Running the real `qscope` binary from tests: one-shot commands, and
//! `qscope serve` as a child process that is stopped (SIGTERM) on drop.

#![allow(dead_code, unreachable_pub)]
#![allow(clippy::disallowed_methods, reason = "tests wait on the wall clock for a child process")]

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// The binary cargo built for these tests.
pub const BIN: &str = env!("CARGO_BIN_EXE_qscope");

/// `qscope ARGS...`, with no `QSCOPE_*` variables from the environment
/// but those given.
pub fn qscope_env(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(BIN);
    command.args(args).stdin(Stdio::null());
    for (name, _) in std::env::vars() {
        if name.starts_with("QSCOPE_") {
            command.env_remove(name);
        }
    }
    command.envs(env.iter().copied());
    command.output().expect("qscope runs")
}

/// `qscope ARGS...`.
pub fn qscope(args: &[&str]) -> Output {
    qscope_env(args, &[])
}

/// `qscope ARGS...` with `input` on standard input.
pub fn qscope_input(args: &[&str], input: &str) -> Output {
    use std::io::Write as _;
    let mut child = Command::new(BIN)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("qscope runs");
    child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

/// A directory of its own under the system's temporary directory, removed
/// on drop.
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new(name: &str) -> Self {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, Ordering::SeqCst);
        let dir =
            std::env::temp_dir().join(format!("qscope-cli-{name}-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }

    /// The path of `name` in it, as text.
    pub fn path(&self, name: &str) -> String {
        self.0.join(name).to_str().unwrap().to_owned()
    }

    /// Writes `text` to `name` in it; its path.
    pub fn file(&self, name: &str, text: &str) -> String {
        let path = self.path(name);
        std::fs::write(&path, text).unwrap();
        path
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// `qscope serve` running as a child process on 127.0.0.1 (port 0 unless
/// the arguments say otherwise), stopped with SIGTERM on drop.
pub struct Server {
    child: Option<Child>,
    /// Where it listens.
    pub addr: SocketAddr,
    /// What it printed on standard output before it listened.
    pub banner: Vec<String>,
    /// Its standard error (the logs), a file in the test's directory.
    pub log: String,
}

impl Server {
    /// Starts `qscope ARGS...` (which must include `serve`), listening on
    /// 127.0.0.1:0 unless `--listen` is among them.
    pub fn start(dir: &TempDir, args: &[&str]) -> Self {
        Self::start_env(dir, args, &[])
    }

    /// [`start`](Self::start) with environment variables.
    pub fn start_env(dir: &TempDir, args: &[&str], env: &[(&str, &str)]) -> Self {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let log = dir.path(&format!("server-{}.log", NEXT.fetch_add(1, Ordering::SeqCst)));
        let mut command = Command::new(BIN);
        command.args(args);
        if !args.contains(&"--listen") {
            command.args(["--listen", "127.0.0.1:0"]);
        }
        for (name, _) in std::env::vars() {
            if name.starts_with("QSCOPE_") {
                command.env_remove(name);
            }
        }
        command
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&log).unwrap());
        let mut child = command.spawn().expect("qscope serve runs");
        let stdout = child.stdout.take().unwrap();
        let mut lines = BufReader::new(stdout).lines();
        let mut banner = Vec::new();
        let deadline = Instant::now() + Duration::from_secs(60);
        let addr = loop {
            assert!(Instant::now() < deadline, "qscope serve did not start");
            let Some(Ok(line)) = lines.next() else {
                let _ = child.wait();
                panic!("qscope serve ended: {}", std::fs::read_to_string(&log).unwrap());
            };
            banner.push(line.clone());
            if let Some(rest) = line.strip_prefix("qscope server on http://") {
                let addr = rest.split_whitespace().next().unwrap();
                break addr.parse().unwrap();
            }
        };
        // The banner's remaining lines, read in the background (the child
        // must never block on a full pipe).
        let (sender, receiver) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in lines.map_while(Result::ok) {
                let _ = sender.send(line);
            }
        });
        std::thread::sleep(Duration::from_millis(100));
        banner.extend(receiver.try_iter());
        Self { child: Some(child), addr, banner, log }
    }

    /// Stops it with SIGTERM and waits; whether it exited successfully.
    pub fn stop(&mut self) -> bool {
        self.terminate();
        self.wait()
    }

    /// Sends it SIGTERM, without waiting for it to end.
    pub fn terminate(&self) {
        if let Some(child) = &self.child {
            let _ = Command::new("kill").args(["-TERM", &child.id().to_string()]).status();
        }
    }

    /// Waits for it to end; whether it exited successfully.
    pub fn wait(&mut self) -> bool {
        let Some(mut child) = self.child.take() else { return true };
        child.wait().map(|status| status.success()).unwrap_or(false)
    }

    /// Its logs so far.
    pub fn logs(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
    }
}
