//! Universal (fat) Mach-O files: the slice table, read by hand.
//!
//! goblin only knows `FAT_MAGIC` (0xcafebabe) with 32-bit offsets; Apple's tools also write
//! `FAT_MAGIC_64` (0xcafebabf) once a slice or its offset passes 4 GiB (cctools `mach-o/fat.h`,
//! FACTS.md §4.2). Both tables are big-endian:
//!
//! ```text
//! fat_header    { magic: u32, nfat_arch: u32 }
//! fat_arch      { cputype: i32, cpusubtype: i32, offset: u32, size: u32, align: u32 }          // 20 bytes
//! fat_arch_64   { cputype: i32, cpusubtype: i32, offset: u64, size: u64, align: u32, reserved: u32 } // 32 bytes
//! ```
//!
//! Each slice is then a thin Mach-O handed to [`super::macho`].

use super::{Slice, macho};
use crate::platform::Arch;

/// 32-bit fat header magic.
pub(super) const FAT_MAGIC: u32 = 0xcafe_babe;
/// 64-bit fat header magic.
pub(super) const FAT_MAGIC_64: u32 = 0xcafe_babf;

/// One entry of the slice table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct FatArch {
    pub cputype: u32,
    pub cpusubtype: u32,
    pub offset: u64,
    pub size: u64,
}

/// Reads the slice table. The caller has checked the magic.
pub(super) fn read_table(data: &[u8]) -> Result<Vec<FatArch>, String> {
    let be32 = |at: usize| {
        data.get(at..at + 4)
            .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    };
    let be64 = |at: usize| {
        data.get(at..at + 8)
            .map(|b| u64::from_be_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]))
    };
    let (Some(magic), Some(count)) = (be32(0), be32(4)) else {
        return Err(format!(
            "truncated header: {} bytes, a universal header needs 8",
            data.len()
        ));
    };
    let wide = magic == FAT_MAGIC_64;
    let entry = if wide { 32 } else { 20 };
    if count == 0 {
        return Err("the slice table lists no slices".into());
    }
    // The count is untrusted: check the table fits before believing it.
    let table_end = 8 + u64::from(count) * entry as u64;
    if table_end > data.len() as u64 {
        return Err(format!(
            "the slice table claims {count} slices ({table_end} bytes) but the file has {} bytes",
            data.len()
        ));
    }
    let mut arches = Vec::with_capacity(count as usize);
    for i in 0..count as usize {
        let at = 8 + i * entry;
        // In range: the table end was checked above.
        let field = |off: usize| be32(at + off).unwrap_or(0);
        let (offset, size) = if wide {
            (be64(at + 8).unwrap_or(0), be64(at + 16).unwrap_or(0))
        } else {
            (u64::from(field(8)), u64::from(field(12)))
        };
        arches.push(FatArch {
            cputype: field(0),
            cpusubtype: field(4),
            offset,
            size,
        });
    }
    Ok(arches)
}

/// Parses every slice it can; returns the slices and a description of each one that failed.
pub(super) fn parse(data: &[u8]) -> (Vec<Slice>, Vec<String>) {
    let table = match read_table(data) {
        Ok(t) => t,
        Err(problem) => return (Vec::new(), vec![problem]),
    };
    let mut slices = Vec::with_capacity(table.len());
    let mut problems = Vec::new();
    for (i, fa) in table.iter().enumerate() {
        let arch = Arch::from_macho(fa.cputype, fa.cpusubtype);
        let end = fa.offset.checked_add(fa.size);
        let Some(bytes) = end
            .filter(|&end| end <= data.len() as u64)
            .and_then(|end| data.get(fa.offset as usize..end as usize))
        else {
            problems.push(format!(
                "slice {i} ({arch}) at offset {} with size {} runs past the end of the file ({} bytes)",
                fa.offset,
                fa.size,
                data.len()
            ));
            continue;
        };
        match macho::parse(bytes, fa.offset) {
            Ok(slice) => {
                if slice.arch != arch {
                    problems.push(format!(
                        "slice {i} is listed as {arch} but its header says {}",
                        slice.arch
                    ));
                }
                slices.push(slice);
            }
            Err(problem) => problems.push(format!("slice {i} ({arch}): {problem}")),
        }
    }
    (slices, problems)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(magic: u32, count: u32) -> Vec<u8> {
        let mut v = magic.to_be_bytes().to_vec();
        v.extend(count.to_be_bytes());
        v
    }

    #[test]
    fn absurd_count_is_refused_before_allocating() {
        let data = header(FAT_MAGIC_64, u32::MAX);
        let err = read_table(&data).unwrap_err();
        assert!(err.contains("claims 4294967295 slices"), "{err}");
    }

    #[test]
    fn empty_table_is_an_error() {
        assert!(
            read_table(&header(FAT_MAGIC, 0))
                .unwrap_err()
                .contains("no slices")
        );
    }

    #[test]
    fn offsets_past_the_end_are_reported_per_slice() {
        let mut data = header(FAT_MAGIC, 1);
        for field in [0x0100_000c_u32, 0, 0xffff_fff0, 0x100, 14] {
            data.extend(field.to_be_bytes());
        }
        let (slices, problems) = parse(&data);
        assert!(slices.is_empty());
        assert_eq!(problems.len(), 1);
        assert!(
            problems[0].contains("slice 0 (arm64) at offset 4294967280"),
            "{}",
            problems[0]
        );
    }

    #[test]
    fn reads_64_bit_entries() {
        let mut data = header(FAT_MAGIC_64, 1);
        data.extend(0x0100_0007_u32.to_be_bytes());
        data.extend(3_u32.to_be_bytes());
        data.extend((1_u64 << 33).to_be_bytes());
        data.extend(4096_u64.to_be_bytes());
        data.extend(14_u32.to_be_bytes());
        data.extend(0_u32.to_be_bytes());
        let table = read_table(&data).unwrap();
        assert_eq!(
            table,
            vec![FatArch {
                cputype: 0x0100_0007,
                cpusubtype: 3,
                offset: 1 << 33,
                size: 4096
            }]
        );
    }
}
