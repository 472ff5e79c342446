//! Opens the page in the user's browser. A failure is only reported: the URL is printed too.

use std::process::{Command, Stdio};

/// Starts the platform's opener on `url` without waiting for it.
pub fn open(url: &str) {
    let mut command = if cfg!(target_os = "macos") {
        let mut c = Command::new("open");
        c.arg(url);
        c
    } else if cfg!(windows) {
        // `start` is a cmd built-in; its first quoted argument is a window title. The URL
        // holds no `&` (only `?token=`), so cmd reads it as one argument.
        let mut c = Command::new("cmd");
        c.args(["/c", "start", "", url]);
        c
    } else {
        let mut c = Command::new("xdg-open");
        c.arg(url);
        c
    };
    command
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    match command.spawn() {
        // Reaped on its own thread so it leaves no zombie; the opener exits at once.
        Ok(mut child) => {
            std::thread::spawn(move || child.wait());
        }
        Err(e) => eprintln!("memcore ui: cannot open a browser ({e}); open the URL above yourself"),
    }
}
