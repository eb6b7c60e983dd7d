//! One ELF image: machine, OS/ABI, and Go build info from `.go.buildinfo`.
//!
//! Only the file header, program headers and section headers are read (goblin's primitives,
//! not `Elf::parse`, which would also walk symbol, dynamic and relocation tables we never use).

use goblin::container::{Container, Ctx, Endian};
use goblin::elf::{Elf, ProgramHeader, SectionHeader, header, program_header};

use super::Slice;
use super::buildinfo::{self, Layout, Mapping};
use crate::platform::{Arch, Os};

pub(super) fn parse(data: &[u8]) -> Result<Slice, String> {
    let hdr = Elf::parse_header(data).map_err(|e| format!("malformed ELF header: {e}"))?;
    let is_64 = hdr.e_ident[header::EI_CLASS] == header::ELFCLASS64;
    let little_endian = hdr.e_ident[header::EI_DATA] == header::ELFDATA2LSB;
    let ctx = Ctx::new(
        if is_64 {
            Container::Big
        } else {
            Container::Little
        },
        if little_endian {
            Endian::Little
        } else {
            Endian::Big
        },
    );
    let phdrs = ProgramHeader::parse(data, hdr.e_phoff as usize, usize::from(hdr.e_phnum), ctx)
        .map_err(|e| format!("malformed program headers: {e}"))?;
    // A loader maps these ranges; one past the end of the file means the file was cut short.
    for (i, p) in phdrs
        .iter()
        .enumerate()
        .filter(|(_, p)| p.p_type == program_header::PT_LOAD)
    {
        let end = p.p_offset.checked_add(p.p_filesz);
        if end.is_none_or(|end| end > data.len() as u64) {
            return Err(format!(
                "segment {i} (offset {}, {} bytes) runs past the end of the file ({} bytes): truncated",
                p.p_offset,
                p.p_filesz,
                data.len()
            ));
        }
    }
    // Section headers are optional at run time (`sstrip` sets e_shoff to 0); a table that is
    // announced but cannot be read is damage.
    let shdrs = SectionHeader::parse(data, hdr.e_shoff as usize, usize::from(hdr.e_shnum), ctx)
        .map_err(|e| format!("section headers at offset {} unreadable: {e}", hdr.e_shoff))?;

    let mappings: Vec<Mapping> = phdrs
        .iter()
        .filter(|p| p.p_type == program_header::PT_LOAD)
        .map(|p| Mapping {
            vaddr: p.p_vaddr,
            fileoff: p.p_offset,
            filesize: p.p_filesz,
        })
        .collect();
    let section_region = find_section(data, &shdrs, usize::from(hdr.e_shstrndx), ".go.buildinfo")
        .map(|s| Mapping {
            vaddr: s.sh_addr,
            fileoff: s.sh_offset,
            filesize: s.sh_size,
        });
    // debug/buildinfo's fallback: the first loadable segment that is writable but not executable.
    let segment_region = phdrs
        .iter()
        .find(|p| {
            p.p_type == program_header::PT_LOAD
                && p.p_flags & (program_header::PF_X | program_header::PF_W) == program_header::PF_W
        })
        .map(|p| Mapping {
            vaddr: p.p_vaddr,
            fileoff: p.p_offset,
            filesize: p.p_filesz,
        });
    let go = buildinfo::read(&Layout {
        data,
        region: section_region.or(segment_region),
        mappings,
    });

    let os = match hdr.e_ident[header::EI_OSABI] {
        // SYSV says nothing about the OS; a Go binary's GOOS does.
        0 => go
            .as_ref()
            .and_then(|g| g.setting("GOOS"))
            .map_or(Os::Linux, |s| s.parse().unwrap_or(Os::Linux)),
        3 => Os::Linux,
        9 => Os::Freebsd,
        abi => Os::Other(format!("osabi {abi}")),
    };
    Ok(Slice {
        os,
        arch: Arch::from_elf(hdr.e_machine, is_64, little_endian),
        go,
        signature: None,
        min_os: None,
        kind: match hdr.e_type {
            header::ET_REL => "object",
            header::ET_EXEC => "executable",
            // A PIE executable is ET_DYN too; asking for an interpreter is what makes it a program.
            header::ET_DYN if phdrs.iter().any(|p| p.p_type == program_header::PT_INTERP) => {
                "executable"
            }
            header::ET_DYN => "shared-object",
            header::ET_CORE => "core",
            _ => "other",
        },
        offset: 0,
        size: data.len() as u64,
    })
}

fn find_section<'s>(
    data: &[u8],
    shdrs: &'s [SectionHeader],
    strndx: usize,
    name: &str,
) -> Option<&'s SectionHeader> {
    let strtab = shdrs.get(strndx)?;
    let start = usize::try_from(strtab.sh_offset).ok()?;
    let names = data.get(start..start.checked_add(usize::try_from(strtab.sh_size).ok()?)?)?;
    shdrs.iter().find(|s| {
        let Some(rest) = names.get(s.sh_name..) else {
            return false;
        };
        rest.strip_prefix(name.as_bytes())
            .is_some_and(|after| after.first() == Some(&0))
    })
}
