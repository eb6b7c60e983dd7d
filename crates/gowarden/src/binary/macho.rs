//! One thin Mach-O image: architecture, platform, minimum OS, code signature, Go build info.
//!
//! goblin parses the header and load commands; the code signature superblob is read here
//! (FACTS.md §4.4): `LC_CODE_SIGNATURE` gives a file range holding, big-endian,
//!
//! ```text
//! SuperBlob      { magic 0xfade0cc0, length, count, index[count]: { type, offset } }
//! CodeDirectory  { magic 0xfade0c02, length, version, flags, ... }   (slot type 0, or 0x1000+ alternates)
//! ```
//!
//! with `CS_ADHOC` (0x2) in the CodeDirectory flags for ad hoc signatures.

use goblin::mach::MachO;
use goblin::mach::load_command::CommandVariant;

use super::buildinfo::{self, Layout, Mapping};
use super::{Signature, Slice};
use crate::platform::{Arch, Os};

const CSMAGIC_EMBEDDED_SIGNATURE: u32 = 0xfade_0cc0;
const CSMAGIC_CODEDIRECTORY: u32 = 0xfade_0c02;
const CSSLOT_CODEDIRECTORY: u32 = 0;
const CSSLOT_ALTERNATE_CODEDIRECTORIES: u32 = 0x1000;
const CS_ADHOC: u32 = 0x2;

/// Parses the Mach-O image in `data`, which starts at `offset` in its file.
pub(super) fn parse(data: &[u8], offset: u64) -> Result<Slice, String> {
    let macho = MachO::parse(data, 0)
        .map_err(|e| format!("malformed Mach-O header or load commands: {e}"))?;
    let arch = Arch::from_macho(macho.header.cputype, macho.header.cpusubtype);
    let mut os = Os::Darwin;
    let mut min_os = None;
    let mut signature = Signature::None;
    for lc in &macho.load_commands {
        match &lc.command {
            CommandVariant::BuildVersion(bv) => {
                os = platform_os(bv.platform);
                min_os = Some(decode_version(bv.minos));
            }
            CommandVariant::VersionMinMacosx(v) if min_os.is_none() => {
                min_os = Some(decode_version(v.version))
            }
            CommandVariant::CodeSignature(cs) => {
                signature = code_signature(data, cs.dataoff, cs.datasize)
            }
            _ => {}
        }
    }

    let mut mappings = Vec::with_capacity(macho.segments.len());
    let mut section_region = None;
    let mut segment_region = None;
    for seg in macho.segments.iter() {
        let mapping = Mapping {
            vaddr: seg.vmaddr,
            fileoff: seg.fileoff,
            filesize: seg.filesize,
        };
        mappings.push(mapping);
        // debug/buildinfo's fallback: the first read-write data segment.
        if segment_region.is_none()
            && seg.vmaddr != 0
            && seg.filesize != 0
            && seg.initprot == 3
            && seg.maxprot == 3
        {
            segment_region = Some(mapping);
        }
        if section_region.is_none()
            && seg.nsects > 0
            && let Ok(sections) = seg.sections()
        {
            section_region = sections
                .iter()
                .find(|(s, _)| s.name().ok() == Some("__go_buildinfo"))
                .map(|(s, _)| Mapping {
                    vaddr: s.addr,
                    fileoff: u64::from(s.offset),
                    filesize: s.size,
                });
        }
    }
    let layout = Layout {
        data,
        region: section_region.or(segment_region),
        mappings,
    };
    let go = buildinfo::read(&layout);

    Ok(Slice {
        os,
        arch,
        go,
        signature: Some(signature),
        min_os,
        kind: filetype_name(macho.header.filetype),
        offset,
        size: data.len() as u64,
    })
}

/// Classifies the embedded signature at `dataoff..dataoff+datasize`.
fn code_signature(data: &[u8], dataoff: u32, datasize: u32) -> Signature {
    let start = dataoff as usize;
    let Some(blob) = start
        .checked_add(datasize as usize)
        .and_then(|end| data.get(start..end))
    else {
        return Signature::Invalid;
    };
    let be32 = |b: &[u8], at: usize| {
        b.get(at..at + 4)
            .map(|w| u32::from_be_bytes([w[0], w[1], w[2], w[3]]))
    };
    if be32(blob, 0) != Some(CSMAGIC_EMBEDDED_SIGNATURE) {
        return Signature::Invalid;
    }
    let Some(count) = be32(blob, 8) else {
        return Signature::Invalid;
    };
    if u64::from(count) * 8 > (blob.len() as u64).saturating_sub(12) {
        return Signature::Invalid;
    }
    let mut flags = None;
    for i in 0..count as usize {
        let (Some(slot), Some(off)) = (be32(blob, 12 + i * 8), be32(blob, 16 + i * 8)) else {
            return Signature::Invalid;
        };
        let is_cd = slot == CSSLOT_CODEDIRECTORY
            || (CSSLOT_ALTERNATE_CODEDIRECTORIES..CSSLOT_ALTERNATE_CODEDIRECTORIES + 5)
                .contains(&slot);
        if is_cd && be32(blob, off as usize) == Some(CSMAGIC_CODEDIRECTORY) {
            // Any CodeDirectory of the set carries the same flags; the first readable one decides.
            flags = be32(blob, off as usize + 12);
            if flags.is_some() {
                break;
            }
        }
    }
    match flags {
        None => Signature::Invalid,
        Some(f) if f & CS_ADHOC != 0 => Signature::Adhoc,
        Some(_) => Signature::Signed,
    }
}

/// `LC_BUILD_VERSION` platform numbers (`mach-o/loader.h`) to Go OS names.
fn platform_os(platform: u32) -> Os {
    match platform {
        1 => Os::Darwin,
        2 | 6 | 7 => Os::Ios,
        3 | 8 => Os::Other("tvos".into()),
        4 | 9 => Os::Other("watchos".into()),
        11 | 12 => Os::Other("visionos".into()),
        p => Os::Other(format!("platform {p}")),
    }
}

/// `xxxx.yy.zz` nibble-encoded versions: `0x000b0000` is `11.0`, `0x000a0f02` is `10.15.2`.
fn decode_version(v: u32) -> String {
    let (major, minor, patch) = (v >> 16, (v >> 8) & 0xff, v & 0xff);
    if patch == 0 {
        format!("{major}.{minor}")
    } else {
        format!("{major}.{minor}.{patch}")
    }
}

fn filetype_name(filetype: u32) -> &'static str {
    match filetype {
        1 => "object",
        2 => "executable",
        6 => "dylib",
        7 => "dylinker",
        8 => "bundle",
        10 => "dsym",
        11 => "kext",
        _ => "other",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn superblob(slots: &[(u32, &[u8])]) -> Vec<u8> {
        let mut head = Vec::new();
        let mut body = Vec::new();
        let base = 12 + slots.len() * 8;
        for (slot, blob) in slots {
            head.extend(slot.to_be_bytes());
            head.extend(((base + body.len()) as u32).to_be_bytes());
            body.extend_from_slice(blob);
        }
        let mut out = CSMAGIC_EMBEDDED_SIGNATURE.to_be_bytes().to_vec();
        out.extend(((base + body.len()) as u32).to_be_bytes());
        out.extend((slots.len() as u32).to_be_bytes());
        out.extend(head);
        out.extend(body);
        out
    }

    fn code_directory(flags: u32) -> Vec<u8> {
        let mut cd = CSMAGIC_CODEDIRECTORY.to_be_bytes().to_vec();
        cd.extend(88_u32.to_be_bytes());
        cd.extend(0x20400_u32.to_be_bytes());
        cd.extend(flags.to_be_bytes());
        cd
    }

    #[test]
    fn classifies_signatures() {
        let adhoc = superblob(&[(0, &code_directory(0x20002))]);
        assert_eq!(
            code_signature(&adhoc, 0, adhoc.len() as u32),
            Signature::Adhoc
        );
        let signed = superblob(&[
            (0, &code_directory(0x10000)),
            (0x10000, b"\xfa\xde\x0b\x01"),
        ]);
        assert_eq!(
            code_signature(&signed, 0, signed.len() as u32),
            Signature::Signed
        );
        let alternate_only = superblob(&[(0x1000, &code_directory(0x2))]);
        assert_eq!(
            code_signature(&alternate_only, 0, alternate_only.len() as u32),
            Signature::Adhoc
        );
    }

    #[test]
    fn damaged_signatures_are_invalid_not_panics() {
        let good = superblob(&[(0, &code_directory(2))]);
        assert_eq!(
            code_signature(&good, 0, good.len() as u32 + 1),
            Signature::Invalid,
            "range past end"
        );
        assert_eq!(
            code_signature(&good, u32::MAX, u32::MAX),
            Signature::Invalid,
            "offset overflow"
        );
        assert_eq!(
            code_signature(&good[..20], 0, 20),
            Signature::Invalid,
            "truncated index"
        );
        let mut lying = good.clone();
        lying[8..12].copy_from_slice(&u32::MAX.to_be_bytes());
        assert_eq!(
            code_signature(&lying, 0, lying.len() as u32),
            Signature::Invalid,
            "absurd count"
        );
        let no_cd = superblob(&[(2, b"\0\0\0\0")]);
        assert_eq!(
            code_signature(&no_cd, 0, no_cd.len() as u32),
            Signature::Invalid
        );
    }

    #[test]
    fn decodes_nibble_versions() {
        assert_eq!(decode_version(0x000b_0000), "11.0");
        assert_eq!(decode_version(0x000a_0f02), "10.15.2");
    }
}
