//! Go build info, read the way `debug/buildinfo` reads it (FACTS.md §3).
//!
//! The linker writes a 32-byte header at a 16-byte-aligned address inside `.go.buildinfo` (ELF)
//! or `__DATA,__go_buildinfo` (Mach-O):
//!
//! ```text
//! "\xff Go buildinf:" | ptr_size u8 | flags u8 | ...
//! flags & 2 (Go >= 1.18): uvarint-length version string, then uvarint-length modinfo, inline
//! otherwise: two pointers to Go string headers {data ptr, len}, resolved through the segments
//! ```
//!
//! The modinfo text is framed by 16-byte sentinels and holds lines like
//! `path\tcmd/go`, `mod\tpath\tversion\tsum`, `dep\t…`, `=>\t…`, `build\tGOOS=darwin`.

use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};

use crate::version::GoVersion;

const MAGIC: &[u8] = b"\xff Go buildinf:";
const HEADER_SIZE: usize = 32;
const ALIGN: u64 = 16;
/// Upper bound for a string read through pointers: build info is kilobytes, not megabytes.
const MAX_POINTER_STRING: u64 = 16 << 20;

/// A file-backed range of the virtual address space: a segment.
#[derive(Debug, Clone, Copy)]
pub(super) struct Mapping {
    pub vaddr: u64,
    pub fileoff: u64,
    pub filesize: u64,
}

/// What build-info reading needs from an object file.
pub(super) struct Layout<'a> {
    /// The whole file (or fat slice) the offsets refer to.
    pub data: &'a [u8],
    /// Where to look for the header: (virtual address, file offset, size).
    pub region: Option<Mapping>,
    /// Every file-backed segment, for resolving pointers in the pre-1.18 format.
    pub mappings: Vec<Mapping>,
}

impl Layout<'_> {
    fn bytes_at_file(&self, m: Mapping) -> Option<&[u8]> {
        let end = m.fileoff.checked_add(m.filesize)?;
        self.data
            .get(usize::try_from(m.fileoff).ok()?..usize::try_from(end).ok()?)
    }

    /// `len` bytes at virtual address `addr`, if one segment's file contents hold them all.
    fn read_vaddr(&self, addr: u64, len: u64) -> Option<&[u8]> {
        self.mappings.iter().find_map(|m| {
            let rel = addr.checked_sub(m.vaddr)?;
            if rel.checked_add(len)? > m.filesize {
                return None;
            }
            let start = m.fileoff.checked_add(rel)?;
            self.data
                .get(usize::try_from(start).ok()?..usize::try_from(start + len).ok()?)
        })
    }
}

/// Go build information of one binary.
#[derive(Debug, Clone, Serialize)]
pub struct GoBuild {
    /// The Go version that built it, e.g. `go1.23.4`.
    pub version: GoVersion,
    /// The main package path (`cmd/go`, `golang.org/x/tools/gopls`).
    pub main: Option<String>,
    /// The main module.
    pub module: Option<Module>,
    /// Build settings in the order written: `-trimpath`, `CGO_ENABLED`, `GOOS`, `GOARCH`, ...
    #[serde(serialize_with = "serialize_pairs")]
    pub settings: Vec<(String, String)>,
    /// Module dependencies, replacements applied.
    pub deps: Vec<Module>,
}

impl GoBuild {
    /// A build setting's value, e.g. `setting("GOARCH")`.
    pub fn setting(&self, key: &str) -> Option<&str> {
        self.settings
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

/// A module line of the build info.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Module {
    /// Module path.
    pub path: String,
    /// Version, `(devel)` for the main module of a local build.
    pub version: String,
    /// `h1:` checksum, when recorded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sum: Option<String>,
    /// The replacement module, from a `=>` line.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replace: Option<Box<Module>>,
}

fn serialize_pairs<S: Serializer>(pairs: &[(String, String)], s: S) -> Result<S::Ok, S::Error> {
    let mut map = s.serialize_map(Some(pairs.len()))?;
    for (k, v) in pairs {
        map.serialize_entry(k, v)?;
    }
    map.end()
}

/// Finds and decodes the build info; `None` when the image carries none (not a Go program,
/// or one whose build info was removed).
pub(super) fn read(layout: &Layout<'_>) -> Option<GoBuild> {
    let region = layout.region?;
    let bytes = layout.bytes_at_file(region)?;
    let start = find_header(bytes, region.vaddr)?;
    let header = &bytes[start..start + HEADER_SIZE];
    let ptr_size = header[14];
    let flags = header[15];
    let (version, modinfo) = if flags & 2 != 0 {
        let rest = &bytes[start + HEADER_SIZE..];
        let (version, rest) = read_uvarint_string(rest)?;
        let (modinfo, _) = read_uvarint_string(rest)?;
        (version, modinfo)
    } else {
        let big_endian = flags & 1 != 0;
        let word = |b: &[u8]| read_word(b, ptr_size, big_endian);
        let ps = usize::from(ptr_size);
        if ps != 4 && ps != 8 {
            return None;
        }
        let vers_ptr = word(&header[16..16 + ps])?;
        let mod_ptr = word(&header[16 + ps..16 + 2 * ps])?;
        let string_at = |ptr: u64| -> Option<&[u8]> {
            let hdr = layout.read_vaddr(ptr, 2 * ps as u64)?;
            let data = word(&hdr[..ps])?;
            let len = word(&hdr[ps..])?;
            if len > MAX_POINTER_STRING {
                return None;
            }
            if len == 0 {
                return Some(&[]);
            }
            layout.read_vaddr(data, len)
        };
        (string_at(vers_ptr)?, string_at(mod_ptr).unwrap_or_default())
    };
    if version.is_empty() {
        return None;
    }
    let version = GoVersion::lenient(&String::from_utf8_lossy(version));
    Some(parse_modinfo(
        version,
        &String::from_utf8_lossy(strip_sentinels(modinfo)),
    ))
}

/// Index of the first magic at a 16-byte-aligned virtual address with a whole header after it.
fn find_header(bytes: &[u8], vaddr: u64) -> Option<usize> {
    memchr::memmem::find_iter(bytes, MAGIC).find(|&i| {
        vaddr.wrapping_add(i as u64).is_multiple_of(ALIGN) && bytes.len() - i >= HEADER_SIZE
    })
}

fn read_word(b: &[u8], ptr_size: u8, big_endian: bool) -> Option<u64> {
    Some(match (ptr_size, big_endian) {
        (4, false) => u64::from(u32::from_le_bytes(b.get(..4)?.try_into().ok()?)),
        (4, true) => u64::from(u32::from_be_bytes(b.get(..4)?.try_into().ok()?)),
        (8, false) => u64::from_le_bytes(b.get(..8)?.try_into().ok()?),
        (8, true) => u64::from_be_bytes(b.get(..8)?.try_into().ok()?),
        _ => return None,
    })
}

/// Reads a uvarint length and that many bytes; `None` when either runs past the end.
fn read_uvarint_string(b: &[u8]) -> Option<(&[u8], &[u8])> {
    let mut len: u64 = 0;
    for (i, &byte) in b.iter().enumerate().take(10) {
        len |= u64::from(byte & 0x7f) << (7 * i);
        if byte & 0x80 == 0 {
            let rest = &b[i + 1..];
            let len = usize::try_from(len).ok()?;
            return (len <= rest.len()).then(|| rest.split_at(len));
        }
    }
    None
}

/// Removes the 16-byte sentinels around modinfo, as `debug/buildinfo` does: only when the
/// text is long enough and the byte before the trailing sentinel is a newline.
fn strip_sentinels(m: &[u8]) -> &[u8] {
    if m.len() >= 33 && m[m.len() - 17] == b'\n' {
        &m[16..m.len() - 16]
    } else {
        &[]
    }
}

/// Parses modinfo text (`runtime/debug.ParseBuildInfo`), tolerating lines it does not know.
///
/// ```text
/// path␉cmd/go
/// mod␉github.com/evanw/esbuild␉(devel)
/// dep␉golang.org/x/sys␉v0.0.0-2021…␉h1:6wST…
/// build␉-trimpath=true
/// build␉CGO_ENABLED=0
/// ```
/// (␉ is a tab.)
fn parse_modinfo(version: GoVersion, text: &str) -> GoBuild {
    let mut build = GoBuild {
        version,
        main: None,
        module: None,
        settings: Vec::new(),
        deps: Vec::new(),
    };
    let mut last_is_main = false;
    for line in text.lines() {
        let mut fields = line.split('\t');
        let tag = fields.next().unwrap_or("");
        let rest: Vec<&str> = fields.collect();
        match tag {
            "path" => build.main = rest.first().map(|s| s.to_string()),
            "mod" | "dep" | "=>" => {
                let Some(module) = module_from(&rest) else {
                    continue;
                };
                match tag {
                    "mod" => {
                        build.module = Some(module);
                        last_is_main = true;
                    }
                    "dep" => {
                        build.deps.push(module);
                        last_is_main = false;
                    }
                    _ => {
                        let target = if last_is_main {
                            build.module.as_mut()
                        } else {
                            build.deps.last_mut()
                        };
                        if let Some(target) = target {
                            target.replace = Some(Box::new(module));
                        }
                    }
                }
            }
            "build" => {
                if let Some((k, v)) = split_setting(&rest.join("\t")) {
                    build.settings.push((k, v));
                }
            }
            _ => {}
        }
    }
    build
}

fn module_from(fields: &[&str]) -> Option<Module> {
    let path = fields.first().filter(|p| !p.is_empty())?;
    Some(Module {
        path: path.to_string(),
        version: fields.get(1).unwrap_or(&"").to_string(),
        sum: fields
            .get(2)
            .filter(|s| !s.is_empty())
            .map(|s| s.to_string()),
        replace: None,
    })
}

/// Splits `key=value` where key and value may each be Go-quoted (`-ldflags="-s -w"`).
fn split_setting(kv: &str) -> Option<(String, String)> {
    let (key, raw_value) = match kv.chars().next()? {
        '=' => return None,
        q @ ('"' | '`') => {
            let end = quoted_prefix_len(kv, q)?;
            let value = kv[end..].strip_prefix('=')?;
            (unquote(&kv[..end]), value)
        }
        _ => {
            let (k, v) = kv.split_once('=')?;
            (k.to_string(), v)
        }
    };
    let value = if raw_value.starts_with('"') || raw_value.starts_with('`') {
        unquote(raw_value)
    } else {
        raw_value.to_string()
    };
    Some((key, value))
}

fn quoted_prefix_len(s: &str, q: char) -> Option<usize> {
    let mut escaped = false;
    for (i, c) in s.char_indices().skip(1) {
        match c {
            '\\' if q == '"' && !escaped => escaped = true,
            c if c == q && !escaped => return Some(i + 1),
            _ => escaped = false,
        }
    }
    None
}

/// Undoes Go quoting for the escapes build settings use; unknown escapes are kept as written.
fn unquote(s: &str) -> String {
    if let Some(inner) = s.strip_prefix('`').and_then(|s| s.strip_suffix('`')) {
        return inner.to_string();
    }
    let Some(inner) = s.strip_prefix('"').and_then(|s| s.strip_suffix('"')) else {
        return s.to_string();
    };
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('r') => out.push('\r'),
            Some(c @ ('\\' | '"' | '\'')) => out.push(c),
            Some(other) => {
                out.push('\\');
                out.push(other);
            }
            None => out.push('\\'),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inline_blob(vaddr_pad: usize, version: &str, modinfo: &str) -> Vec<u8> {
        let mut b = vec![0u8; vaddr_pad];
        b.extend_from_slice(MAGIC);
        b.push(8);
        b.push(2);
        b.extend([0u8; 16]);
        for s in [version, modinfo] {
            b.push(s.len() as u8);
            b.extend_from_slice(s.as_bytes());
        }
        b
    }

    fn layout(data: &[u8], vaddr: u64) -> Layout<'_> {
        let m = Mapping {
            vaddr,
            fileoff: 0,
            filesize: data.len() as u64,
        };
        Layout {
            data,
            region: Some(m),
            mappings: vec![m],
        }
    }

    fn framed(text: &str) -> String {
        format!("{}{text}{}", "0".repeat(16), "1".repeat(16))
    }

    #[test]
    fn reads_inline_format_and_settings() {
        let modinfo = framed(
            "path\tcmd/go\nbuild\t-trimpath=true\nbuild\tCGO_ENABLED=0\nbuild\tGOOS=darwin\n",
        );
        let data = inline_blob(16, "go1.23.2", &modinfo);
        let b = read(&layout(&data, 0x1000)).unwrap();
        assert_eq!(b.version.as_str(), "go1.23.2");
        assert_eq!(b.main.as_deref(), Some("cmd/go"));
        assert_eq!(b.setting("CGO_ENABLED"), Some("0"));
        assert_eq!(b.setting("-trimpath"), Some("true"));
    }

    #[test]
    fn magic_must_sit_at_an_aligned_address() {
        let data = inline_blob(8, "go1.23.2", "");
        // file offset 8 at vaddr 0x1000 → address 0x1008: not 16-aligned.
        assert!(read(&layout(&data, 0x1000)).is_none());
        // the same bytes mapped at 0x1008 put the magic at 0x1010.
        assert!(read(&layout(&data, 0x1008)).is_some());
    }

    #[test]
    fn lengths_past_the_end_are_not_trusted() {
        let mut data = inline_blob(0, "go1.23.2", "");
        let at = MAGIC.len() + 2 + 16;
        data[at] = 0xff; // version length now a multi-byte varint running off the end
        assert!(read(&layout(&data, 0)).is_none());
        assert!(read_uvarint_string(&[0x80; 11]).is_none());
    }

    #[test]
    fn quoted_settings_are_unquoted() {
        let modinfo = framed(
            "build\t-ldflags=\"-s -w -X main.v=1\"\nbuild\t\"we=ird\"=`x`\nbuild\t=novalue\n",
        );
        let b = parse_modinfo(
            GoVersion::lenient("go1.22.0"),
            std::str::from_utf8(strip_sentinels(modinfo.as_bytes())).unwrap(),
        );
        assert_eq!(b.setting("-ldflags"), Some("-s -w -X main.v=1"));
        assert_eq!(b.setting("we=ird"), Some("x"));
        assert_eq!(b.settings.len(), 2);
    }

    #[test]
    fn replacements_attach_to_the_line_before() {
        let b = parse_modinfo(
            GoVersion::lenient("go1.22.0"),
            "mod\texample.com/m\t(devel)\ndep\tgolang.org/x/sys\tv0.1.0\th1:abc\n=>\t../sys\t(devel)\n",
        );
        assert_eq!(b.deps[0].replace.as_ref().unwrap().path, "../sys");
        assert!(b.module.unwrap().replace.is_none());
    }
}
