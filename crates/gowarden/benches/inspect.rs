//! Inspection speed on real toolchain binaries (see BENCHMARKS.md).
//! Needs the fixture cache: `scripts/fetch-fixtures`.

use std::path::PathBuf;

use criterion::{Criterion, criterion_group, criterion_main};

fn fixtures() -> PathBuf {
    std::env::var_os("GOWARDEN_FIXTURES")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(std::env::var_os("HOME").expect("HOME is set"))
                .join(".cache/gowarden/fixtures")
        })
}

fn bench(c: &mut Criterion) {
    let root = fixtures();
    for (name, rel) in [
        (
            "darwin-arm64 go (16 MB Mach-O)",
            "go1.23.2-darwin-arm64/go/bin/go",
        ),
        ("linux-amd64 go (ELF)", "go1.23.2-linux-amd64/go/bin/go"),
        (
            "go1.17 pointer-format Mach-O",
            "esbuild-0.14.0-darwin-arm64/esbuild",
        ),
    ] {
        let path = root.join(rel);
        assert!(
            path.is_file(),
            "missing fixture {}: run scripts/fetch-fixtures",
            path.display()
        );
        c.bench_function(&format!("inspect {name}"), |b| {
            b.iter(|| {
                let r = gowarden::inspect(std::hint::black_box(&path));
                assert!(r.error.is_none());
                r
            })
        });
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
