//! Inputs the fuzzer (scripts/fuzz) or a reviewer found hostile, kept so they stay harmless.
//! Each file in tests/fuzz-regressions/ is named after what it exercises or what broke.

use gowarden::binary::{Format, inspect_bytes};

#[test]
fn every_kept_input_inspects_without_panicking() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz-regressions");
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let bytes = std::fs::read(&path).unwrap();
        let contents = inspect_bytes(&bytes);
        // Every kept input is damaged in some way: it must come back as a problem or as
        // something gowarden does not read, never as a clean executable.
        assert!(
            contents.problem.is_some() || contents.format == Format::Unknown,
            "{}: inspected as a healthy {:?}",
            path.display(),
            contents.format
        );
        seen += 1;
    }
    assert!(seen >= 3, "expected the kept inputs in {}", dir.display());
}
