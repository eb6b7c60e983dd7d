//! The text parsers that read files users and installers write (VERSION, go.env, go env -w
//! files, shell startup files, login-shell output, toolchain names) must take anything.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let _ = text.parse::<gowarden::version::GoVersion>();
    let _ = gowarden::version::GoVersion::lenient(&text);
    let _ = gowarden::goroot::EnvFile::parse(&text);
    let _ = gowarden::toolchain::version_of_toolchain(&text);
    let _ = gowarden::shell::parse_env_block(data, b"MARK");
    for line in text.lines() {
        let _ = gowarden::shell::assigns(line, "GOROOT");
    }
    let args: Vec<String> = text.split('\0').map(str::to_string).collect();
    let _ = gowarden::procs::guest_from_cmdline(&args);
    let _ = gowarden::procs::binfmt_interpreter(&text);
});
