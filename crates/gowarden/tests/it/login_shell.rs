//! `gowarden doctor --login-shell` with real bash, zsh and fish: what the user's startup files
//! set up is what gets judged, and rc files that hang or fail never hang gowarden.

use std::time::{Duration, Instant};

use crate::util::{Machine, codes, finding, process_with, says, shell};

/// `--login-shell` with a deadline generous enough for a loaded CI machine: these tests are
/// about what the shell sets up, not how fast it starts (the hang test sets its own).
const LOGIN: &[&str] = &["--login-shell", "--shell-timeout", "60"];

/// A Mac whose shell startup files (not the process environment) put Homebrew's go on PATH.
fn mac_with_homebrew_go() -> Machine {
    let m = Machine::new("darwin/arm64");
    m.homebrew("/opt/homebrew", "go1.23.2-darwin-arm64", "1.23.2");
    m.install("go1.22.10-darwin-arm64", &m.sys("/usr/local/go"));
    // What launchd gives an app: no go anywhere on PATH.
    m.path("/usr/bin").path("/bin");
    m
}

#[test]
fn bash_profile_path_and_stale_goroot_are_seen_and_pointed_at() {
    let m = mac_with_homebrew_go();
    let profile = m.home(".bash_profile");
    m.write(
        &profile,
        format!(
            "echo 'Welcome back!'\nexport PATH={}:$PATH\nexport GOROOT={}\n",
            m.sys("/opt/homebrew/bin").display(),
            m.sys("/usr/local/go").display()
        ),
    );
    // bash never reads ~/.profile when ~/.bash_profile exists: this line is not the culprit.
    m.write(&m.home(".profile"), "export GOROOT=/opt/old-go\n");
    m.env("SHELL", shell("bash"));

    let (plain, _) = m.doctor();
    assert_eq!(plain["environment"], "process");
    assert!(
        codes(&plain).contains(&"no-go-on-path".to_string()),
        "the process alone sees no go"
    );

    let (r, status) = m.doctor_with(LOGIN);
    assert_eq!(r["environment"], "login-shell", "{:#}", r["login_shell"]);
    assert_eq!(r["login_shell"]["ok"], true);
    assert_eq!(status, 1);
    assert_eq!(
        r["active"]["path"],
        m.sys("/opt/homebrew/bin/go").to_str().unwrap()
    );
    let f = finding(&r, "goroot-env-mismatch");
    let at = format!("{}:3", profile.display());
    assert!(
        f["message"]
            .as_str()
            .unwrap()
            .contains(&format!("(set at {at})")),
        "{f:#}"
    );
    assert!(
        f["fix"]
            .as_str()
            .unwrap()
            .starts_with(&format!("comment out line 3 of {}", profile.display())),
        "{f:#}"
    );
    assert_eq!(f["action"]["kind"], "edit-shell-file");
    assert_eq!(f["action"]["file"], profile.to_str().unwrap());
    assert_eq!(f["action"]["line"], 3);
    assert!(
        f["subjects"]
            .as_array()
            .unwrap()
            .contains(&serde_json::json!({
                "role": "shell-file", "path": profile.to_str().unwrap(), "line": 3
            }))
    );
    assert_eq!(r["goroot_assignments"][0]["line"], 3);
}

#[test]
fn zshrc_path_is_seen() {
    let m = mac_with_homebrew_go();
    m.write(
        &m.home(".zshrc"),
        format!(
            "path=({} $path)\nexport PATH\n",
            m.sys("/opt/homebrew/bin").display()
        ),
    );
    m.env("SHELL", shell("zsh"));
    let (r, status) = m.doctor_with(LOGIN);
    assert_eq!(
        (r["environment"].as_str(), status),
        (Some("login-shell"), 0),
        "{:#}",
        r["findings"]
    );
    assert_eq!(r["active"]["version"], "go1.23.2");
    assert_eq!(r["login_shell"]["shell"], shell("zsh").to_str().unwrap());
}

#[test]
fn fish_config_path_and_goroot_are_seen() {
    let m = mac_with_homebrew_go();
    let config = m.home(".config/fish/config.fish");
    m.write(
        &config,
        format!(
            "set -gx PATH {} $PATH\nset -gx GOROOT {}\n",
            m.sys("/opt/homebrew/bin").display(),
            m.sys("/usr/local/go").display()
        ),
    );
    m.env("SHELL", shell("fish"));
    let (r, _) = m.doctor_with(LOGIN);
    assert_eq!(r["environment"], "login-shell", "{:#}", r["login_shell"]);
    let f = finding(&r, "goroot-env-mismatch");
    assert!(
        f["message"]
            .as_str()
            .unwrap()
            .contains(&format!("{}:2", config.display())),
        "{f:#}"
    );
}

#[test]
fn rc_file_that_never_returns_times_out_and_leaves_nothing_behind() {
    let m = mac_with_homebrew_go();
    let token = format!("gowarden-hang-{}", std::process::id());
    m.write(
        &m.home(".bash_profile"),
        format!("sh -c 'sleep 1000; : {token}'\n"),
    );
    m.env("SHELL", shell("bash"));
    let start = Instant::now();
    let (r, _) = m.doctor_with(&["--login-shell", "--shell-timeout", "1"]);
    // A hang check, not a speed target: the shell must not get anywhere near its 1000 s.
    assert!(
        start.elapsed() < Duration::from_secs(30),
        "took {:?}",
        start.elapsed()
    );
    assert_eq!(r["environment"], "process");
    assert_eq!(r["login_shell"]["reason"], "timeout");
    let f = finding(&r, "login-shell-env-failed");
    says(&f["message"], "did not finish within 1 s");
    std::thread::sleep(Duration::from_millis(200));
    assert!(
        !process_with(&token),
        "the rc file's child survived the timeout"
    );
}

#[test]
fn rc_file_printing_garbage_and_failing_still_yields_the_environment() {
    let m = mac_with_homebrew_go();
    m.write(
        &m.home(".bash_profile"),
        format!(
            "printf 'junk\\0=\\0__GOWARDEN\\n'\necho 'noise on stderr' >&2\nexport PATH={}:$PATH\nfalse\n",
            m.sys("/opt/homebrew/bin").display()
        ),
    );
    m.env("SHELL", shell("bash"));
    let (r, _) = m.doctor_with(LOGIN);
    assert_eq!(r["environment"], "login-shell", "{:#}", r["login_shell"]);
    assert_eq!(r["active"]["version"], "go1.23.2");
}

#[test]
fn rc_file_that_exits_is_a_clear_failure() {
    let m = mac_with_homebrew_go();
    m.write(
        &m.home(".bash_profile"),
        "echo 'setting up...' >&2\nexit 3\n",
    );
    m.env("SHELL", shell("bash"));
    let (r, _) = m.doctor_with(LOGIN);
    assert_eq!(r["environment"], "process");
    assert_eq!(r["login_shell"]["reason"], "exit");
    let msg = r["login_shell"]["error"].as_str().unwrap();
    assert!(
        msg.contains("exited with status 3 before printing its environment")
            && msg.contains("setting up..."),
        "{msg}"
    );
    assert!(codes(&r).contains(&"login-shell-env-failed".to_string()));
}

#[test]
fn unknown_or_missing_shell_falls_back_to_the_process() {
    let m = mac_with_homebrew_go();
    m.env("SHELL", "/usr/bin/nu");
    let (r, _) = m.doctor_with(LOGIN);
    assert_eq!(
        (
            r["environment"].as_str(),
            r["login_shell"]["reason"].as_str()
        ),
        (Some("process"), Some("unknown-shell"))
    );
    let m = mac_with_homebrew_go();
    let (r, _) = m.doctor_with(LOGIN);
    assert_eq!(r["login_shell"]["reason"], "no-shell");
}
