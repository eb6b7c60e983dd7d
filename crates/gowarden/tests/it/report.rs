//! The report as a contract: the committed JSON Schema matches the types, real reports
//! validate against it, and a report read back from its JSON is equal to the one written.

use std::path::PathBuf;

use gowarden::report::{Report, json_schema};

use crate::util::Machine;

/// A committed schema at the repository root matches what the types generate now
/// (`GOWARDEN_BLESS=1` writes it).
fn committed_matches(file: &str, generated: &serde_json::Value, command: &str) {
    let generated = serde_json::to_string_pretty(generated).unwrap() + "\n";
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../schema")
        .join(file);
    if std::env::var_os("GOWARDEN_BLESS").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &generated).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "{} is stale: the types changed. Regenerate it with \
         `GOWARDEN_BLESS=1 cargo test -p gowarden --test it report::committed` \
         (or `{command} > schema/{file}`), review the diff, run `npm run gen:types` in ui/, \
         and commit them",
        path.display()
    );
}

#[test]
fn committed_schema_matches_the_types() {
    committed_matches("report.schema.json", &json_schema(), "gowarden schema");
}

#[test]
fn committed_ipc_schema_matches_the_types() {
    committed_matches(
        "ipc.schema.json",
        &gowarden::ipc::json_schema(),
        "gowarden schema --ipc",
    );
}

/// Scenario machines that exercise most of the report: healthy, a dangling Homebrew link,
/// a stale GOROOT export, no go at all, a universal Intel go under Rosetta.
fn machines() -> Vec<Machine> {
    let healthy = Machine::new("darwin/arm64");
    healthy.homebrew("/opt/homebrew", "go1.23.2-darwin-arm64", "1.23.2");
    healthy
        .path(healthy.sys("/opt/homebrew/bin"))
        .path(healthy.sys("/usr/bin"));

    let dangling = Machine::new("darwin/arm64");
    dangling.install(
        "go1.23.2-darwin-arm64",
        &dangling.sys("/opt/homebrew/Cellar/go/1.23.2/libexec"),
    );
    dangling.link(
        "../Cellar/go/1.22.10/bin/go",
        &dangling.sys("/opt/homebrew/bin/go"),
    );
    dangling.path(dangling.sys("/opt/homebrew/bin"));

    let stale = Machine::new("darwin/arm64");
    stale.homebrew("/opt/homebrew", "go1.23.2-darwin-arm64", "1.23.2");
    stale.install("go1.22.10-darwin-arm64", &stale.sys("/usr/local/go"));
    stale
        .path(stale.sys("/opt/homebrew/bin"))
        .env("GOROOT", stale.sys("/usr/local/go"))
        .env("GOARCH", "amd64");

    let none = Machine::new("linux/amd64");
    none.install("go1.23.2-linux-amd64", &none.home("sdk/go1.23.2"));
    none.path("").path(none.sys("/usr/bin"));

    let rosetta = Machine::new("darwin/arm64");
    rosetta.with_rosetta();
    rosetta.install("go1.22.10-darwin-amd64", &rosetta.sys("/usr/local/go"));
    rosetta.path(rosetta.sys("/usr/local/go/bin"));

    vec![healthy, dangling, stale, none, rosetta]
}

#[test]
fn real_reports_validate_against_the_committed_schema() {
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../schema/report.schema.json"),
        )
        .unwrap(),
    )
    .unwrap();
    let validator = jsonschema::validator_for(&schema).expect("the schema compiles");
    for m in machines() {
        let (json, _) = m.doctor();
        let errors: Vec<String> = validator
            .iter_errors(&json)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{errors:#?}\n{json:#}");
    }
}

#[test]
fn a_report_reads_back_equal() {
    for m in machines() {
        let (json, _) = m.doctor();
        let report: Report = serde_json::from_value(json.clone())
            .unwrap_or_else(|e| panic!("reading the report back: {e}\n{json:#}"));
        assert_eq!(serde_json::to_value(&report).unwrap(), json);
        let again: Report = serde_json::from_value(json.clone()).unwrap();
        assert_eq!(report, again);
        // Every finding carries an id, labeled subjects and an action.
        for f in &report.findings {
            assert!(f.id.starts_with(f.code.as_str()), "{}", f.id);
            assert!(!f.fix.is_empty(), "{}", f.id);
        }
    }
}

/// Facts only a real Mac gives (quarantine, gowarden under Rosetta, launchd's environment),
/// injected into a report scanned from a real machine: the checks turn them into findings.
#[test]
fn macos_only_facts_on_a_real_report() {
    let m = Machine::new("darwin/arm64");
    m.install("go1.23.2-darwin-arm64", &m.sys("/usr/local/go"));
    m.path(m.sys("/usr/local/go/bin"));
    let (json, status) = m.doctor();
    assert_eq!(status, 0, "{:#}", json["findings"]);
    let mut report: Report = serde_json::from_value(json).unwrap();
    report.host.translated = Some(true);
    report.launchctl = Some(gowarden::shell::Launchctl {
        goroot: Some("/usr/local/go-1.20".into()),
        path: None,
    });
    report.active.as_mut().unwrap().quarantine = Some(gowarden::binary::Quarantine {
        flags: 0x0083,
        time: None,
        agent: Some("Safari".into()),
        event: None,
        raw: "0083;;Safari;".into(),
        user_approved: false,
    });
    let findings = gowarden::check::run(&report);
    let codes: Vec<&str> = findings.iter().map(|f| f.code.as_str()).collect();
    for code in ["self-translated", "launchctl-env", "quarantined"] {
        assert!(codes.contains(&code), "{code} in {codes:?}");
    }
    let q = findings
        .iter()
        .find(|f| f.code.as_str() == "quarantined")
        .unwrap();
    assert_eq!(
        q.fix,
        format!(
            "xattr -r -d com.apple.quarantine {}",
            m.sys("/usr/local/go").display()
        ),
        "the whole tree: Archive Utility quarantines compile and link too"
    );
}
