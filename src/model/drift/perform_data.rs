//! The 8-byte performData codec (`PerformData`): a big-endian u64 with the asset bitmap in bits
//! 0..=15, the paths in bits 16..=17 (1 = stable, 2 = global) and the state epoch in bits 24..=55.

use super::PerformDataError;

/// The stable path.
pub const PATH_STABLE: u8 = 1;
/// The global path.
pub const PATH_GLOBAL: u8 = 2;
/// Both paths.
pub const PATH_BOTH: u8 = PATH_STABLE | PATH_GLOBAL;

/// Decoded performData.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PerformData {
    /// Assets taking part in at least one order.
    pub bitmap: u16,
    /// The paths (`PATH_*`).
    pub paths: u8,
    /// The state epoch the check ran against.
    pub epoch: u32,
}

impl PerformData {
    /// The word `checkUpkeep` returns (`abi.encodePacked(uint64)`). Encodes any `paths`, as the
    /// contract does; [`PerformData::decode`] accepts only 1..=3.
    pub fn encode(&self) -> [u8; 8] {
        (u64::from(self.bitmap) | u64::from(self.paths) << 16 | u64::from(self.epoch) << 24)
            .to_be_bytes()
    }

    /// Decodes untrusted bytes exactly as `PerformData.decode` does: 8 bytes, paths 1..=3, bits
    /// 56..=63 zero; bits 18..=23 set read as paths above 3.
    pub fn decode(data: &[u8]) -> Result<Self, PerformDataError> {
        let bytes: [u8; 8] = data
            .try_into()
            .map_err(|_| PerformDataError::Length { len: data.len() })?;
        let word = u64::from_be_bytes(bytes);
        let paths = (word >> 16 & 0xff) as u8;
        if paths == 0 || paths > PATH_BOTH {
            return Err(PerformDataError::Paths { word, paths });
        }
        if word >> 56 != 0 {
            return Err(PerformDataError::HighBits { word });
        }
        Ok(Self {
            bitmap: (word & 0xffff) as u16,
            paths,
            epoch: (word >> 24 & 0xffff_ffff) as u32,
        })
    }
}
