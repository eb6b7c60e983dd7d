//! Operating systems and architectures, named the way Go names them (`GOOS`, `GOARCH`).
//!
//! Headers speak in CPU type numbers (Mach-O) and machine numbers (ELF); everything above the
//! parsers speaks Go's words, so that a slice can be compared with `GOARCH` or a `pkg/tool/<os>_<arch>`
//! directory without translation.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// An operating system, by its `GOOS` name.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Os {
    /// macOS (`darwin`).
    Darwin,
    /// Linux.
    Linux,
    /// iOS and its simulators, read from a Mach-O build-version platform.
    Ios,
    /// FreeBSD, from an ELF OS/ABI byte.
    Freebsd,
    /// Anything else, with the name it was read as.
    Other(String),
}

impl Os {
    /// The `GOOS` spelling.
    pub fn as_str(&self) -> &str {
        match self {
            Os::Darwin => "darwin",
            Os::Linux => "linux",
            Os::Ios => "ios",
            Os::Freebsd => "freebsd",
            Os::Other(s) => s,
        }
    }
}

impl FromStr for Os {
    type Err = std::convert::Infallible;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s {
            "darwin" => Os::Darwin,
            "linux" => Os::Linux,
            "ios" => Os::Ios,
            "freebsd" => Os::Freebsd,
            other => Os::Other(other.to_string()),
        })
    }
}

/// A CPU architecture, by its `GOARCH` name; `arm64e` is kept apart from `arm64` because a
/// pointer-authentication slice is a different thing to run (Go itself never emits one).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Arch {
    /// 64-bit ARM (`arm64`, Mach-O `CPU_TYPE_ARM64` subtype ALL/V8, ELF `EM_AARCH64`).
    Arm64,
    /// `arm64e`: ARM64 with pointer authentication (Mach-O subtype 2).
    Arm64e,
    /// x86-64 (`amd64`).
    Amd64,
    /// 32-bit x86 (`386`).
    I386,
    /// 32-bit ARM (`arm`).
    Arm,
    /// Anything else, with a descriptive name (`riscv64`, `ppc64le`, `cputype 0x12`, ...).
    Other(String),
}

impl Arch {
    /// The `GOARCH` spelling.
    pub fn as_str(&self) -> &str {
        match self {
            Arch::Arm64 => "arm64",
            Arch::Arm64e => "arm64e",
            Arch::Amd64 => "amd64",
            Arch::I386 => "386",
            Arch::Arm => "arm",
            Arch::Other(s) => s,
        }
    }

    /// Classifies a Mach-O `cputype`/`cpusubtype` pair (xnu `mach/machine.h`, FACTS.md §4.1).
    pub fn from_macho(cputype: u32, cpusubtype: u32) -> Arch {
        const CPU_ARCH_ABI64: u32 = 0x0100_0000;
        const CPU_ARCH_ABI64_32: u32 = 0x0200_0000;
        const CPU_TYPE_X86: u32 = 7;
        const CPU_TYPE_ARM: u32 = 12;
        const CPU_TYPE_POWERPC: u32 = 18;
        const CPU_SUBTYPE_MASK: u32 = 0xff00_0000;
        const CPU_SUBTYPE_ARM64E: u32 = 2;
        match cputype {
            t if t == CPU_TYPE_X86 | CPU_ARCH_ABI64 => Arch::Amd64,
            CPU_TYPE_X86 => Arch::I386,
            t if t == CPU_TYPE_ARM | CPU_ARCH_ABI64 => {
                if cpusubtype & !CPU_SUBTYPE_MASK == CPU_SUBTYPE_ARM64E {
                    Arch::Arm64e
                } else {
                    Arch::Arm64
                }
            }
            t if t == CPU_TYPE_ARM | CPU_ARCH_ABI64_32 => Arch::Other("arm64_32".into()),
            CPU_TYPE_ARM => Arch::Arm,
            CPU_TYPE_POWERPC => Arch::Other("ppc".into()),
            t if t == CPU_TYPE_POWERPC | CPU_ARCH_ABI64 => Arch::Other("ppc64".into()),
            other => Arch::Other(format!("cputype {other:#x}")),
        }
    }

    /// Classifies an ELF `e_machine`, with the class (64-bit?) and byte order Go's names depend on.
    pub fn from_elf(machine: u16, is_64: bool, little_endian: bool) -> Arch {
        let other = |s: &str| Arch::Other(s.to_string());
        match machine {
            62 => Arch::Amd64,
            183 => Arch::Arm64,
            3 => Arch::I386,
            40 => Arch::Arm,
            243 if is_64 => other("riscv64"),
            243 => other("riscv"),
            21 if little_endian => other("ppc64le"),
            21 => other("ppc64"),
            22 => other("s390x"),
            258 => other("loong64"),
            8 => match (is_64, little_endian) {
                (true, true) => other("mips64le"),
                (true, false) => other("mips64"),
                (false, true) => other("mipsle"),
                (false, false) => other("mips"),
            },
            m => Arch::Other(format!("e_machine {m}")),
        }
    }
}

impl FromStr for Arch {
    type Err = std::convert::Infallible;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s {
            "arm64" => Arch::Arm64,
            "arm64e" => Arch::Arm64e,
            "amd64" => Arch::Amd64,
            "386" => Arch::I386,
            "arm" => Arch::Arm,
            other => Arch::Other(other.to_string()),
        })
    }
}

macro_rules! display_and_serialize_as_str {
    ($($t:ty),*) => {$(
        impl fmt::Display for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
        impl Serialize for $t {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }
        impl<'de> Deserialize<'de> for $t {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                Ok(match s.parse() {
                    Ok(v) => v,
                    Err(never) => match never {},
                })
            }
        }
        impl schemars::JsonSchema for $t {
            fn schema_name() -> std::borrow::Cow<'static, str> {
                stringify!($t).into()
            }
            fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
                schemars::json_schema!({
                    "type": "string",
                    "description": concat!("Go's name for the ", stringify!($t), " (GOOS/GOARCH spelling)")
                })
            }
        }
    )*};
}
display_and_serialize_as_str!(Os, Arch);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn macho_cpu_types_get_go_names() {
        assert_eq!(Arch::from_macho(0x0100_000c, 0), Arch::Arm64);
        // arm64e carries ptrauth ABI bits in the high byte of the subtype.
        assert_eq!(Arch::from_macho(0x0100_000c, 0x8000_0002), Arch::Arm64e);
        assert_eq!(Arch::from_macho(0x0100_0007, 3), Arch::Amd64);
        assert_eq!(
            Arch::from_macho(0x0100_0007, 8),
            Arch::Amd64,
            "x86_64h is still amd64"
        );
        assert_eq!(Arch::from_macho(7, 3), Arch::I386);
        assert_eq!(Arch::from_macho(0x42, 0).as_str(), "cputype 0x42");
    }

    #[test]
    fn elf_machines_get_go_names() {
        assert_eq!(Arch::from_elf(62, true, true), Arch::Amd64);
        assert_eq!(Arch::from_elf(183, true, true), Arch::Arm64);
        assert_eq!(Arch::from_elf(21, true, true).as_str(), "ppc64le");
        assert_eq!(Arch::from_elf(8, false, true).as_str(), "mipsle");
    }

    #[test]
    fn names_round_trip() {
        for name in ["arm64", "arm64e", "amd64", "386", "arm", "riscv64"] {
            assert_eq!(name.parse::<Arch>().unwrap().as_str(), name);
        }
        for name in ["darwin", "linux", "ios", "freebsd", "plan9"] {
            assert_eq!(name.parse::<Os>().unwrap().as_str(), name);
        }
    }
}
