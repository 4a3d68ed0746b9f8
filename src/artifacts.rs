//! Contract bytecode from forge's artifacts (`out/<File>.sol/<Contract>.json`).
//!
//! forge's `out/` is the one source of bytecode for everything Rust deploys; `forge build` keeps
//! it in step with the sources (see [`crate::project::Project::forge_build`]).

use std::{
    fmt,
    path::{Path, PathBuf},
};

use alloy::primitives::{B256, Bytes, keccak256};
use foundry_compilers::artifacts::{BytecodeObject, ConfigurableContractArtifact};

/// Names an artifact the way forge does: `File.sol:Contract`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ArtifactId {
    /// Source file name (no folders), e.g. `AutomationRegistry2_3.sol`.
    pub file: &'static str,
    /// Contract name inside it.
    pub contract: &'static str,
}

impl ArtifactId {
    /// `File.sol:Contract`.
    pub const fn new(file: &'static str, contract: &'static str) -> Self {
        Self { file, contract }
    }
}

impl fmt::Display for ArtifactId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.file, self.contract)
    }
}

/// Errors reading an artifact.
#[derive(Debug, thiserror::Error)]
pub enum ArtifactError {
    /// The artifact file does not exist.
    #[error(
        "artifact {id} not found at {path} — run `forge build` (or script/setup.sh first if lib/ is missing)"
    )]
    Missing {
        /// Which artifact.
        id: String,
        /// Where it was looked for.
        path: PathBuf,
    },
    /// The artifact could not be read or parsed.
    #[error("artifact {path} is unreadable: {reason} — delete out/ and run `forge build`")]
    Unreadable {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        reason: String,
    },
    /// The artifact has no deployable bytecode (an interface or abstract contract).
    #[error(
        "artifact {id} has no bytecode (interface or abstract contract?) — deploy a concrete contract"
    )]
    NoBytecode {
        /// Which artifact.
        id: String,
    },
    /// The bytecode needs external libraries linked in.
    #[error(
        "artifact {id} needs external libraries linked — unsupported by the deployer; make the library functions internal"
    )]
    Unlinked {
        /// Which artifact.
        id: String,
    },
}

/// A compiled contract ready to deploy.
#[derive(Debug, Clone)]
pub struct Artifact {
    /// Which contract.
    pub id: ArtifactId,
    /// Creation code (constructor arguments are appended to it).
    pub creation: Bytes,
    /// Runtime code as compiled, with zeroes where immutables go.
    pub runtime: Bytes,
    /// `(start, length)` of every immutable in the runtime code.
    pub immutables: Vec<(usize, usize)>,
}

impl Artifact {
    /// Reads `out_dir/<file>/<contract>.json`.
    ///
    /// When forge compiled a file more than once (by two solc versions, or with and without
    /// via-IR) it names the artifacts `<contract>.<version or profile>.json` instead; then the one
    /// with the highest version (or, failing that, the last name in order) is used.
    pub fn load(out_dir: &Path, id: ArtifactId) -> Result<Self, ArtifactError> {
        let path = find(out_dir, id)?;
        let text = std::fs::read_to_string(&path).map_err(|e| ArtifactError::Unreadable {
            path: path.clone(),
            reason: e.to_string(),
        })?;
        let artifact: ConfigurableContractArtifact =
            serde_json::from_str(&text).map_err(|e| ArtifactError::Unreadable {
                path: path.clone(),
                reason: e.to_string(),
            })?;
        Self::from_artifact(id, artifact)
    }

    fn from_artifact(
        id: ArtifactId,
        artifact: ConfigurableContractArtifact,
    ) -> Result<Self, ArtifactError> {
        let no_code = || ArtifactError::NoBytecode { id: id.to_string() };
        let creation = artifact.bytecode.map(|b| b.object).ok_or_else(no_code)?;
        let deployed = artifact.deployed_bytecode.ok_or_else(no_code)?;
        let runtime = deployed.bytecode.map(|b| b.object).ok_or_else(no_code)?;
        let creation = linked(id, creation)?;
        let runtime = linked(id, runtime)?;
        if creation.is_empty() || runtime.is_empty() {
            return Err(no_code());
        }
        let mut immutables: Vec<(usize, usize)> = deployed
            .immutable_references
            .values()
            .flatten()
            .map(|o| (o.start as usize, o.length as usize))
            .collect();
        immutables.sort_unstable();
        Ok(Self {
            id,
            creation,
            runtime,
            immutables,
        })
    }

    /// Creation code followed by ABI-encoded constructor arguments.
    pub fn init_code(&self, constructor_args: &[u8]) -> Bytes {
        let mut code = Vec::with_capacity(self.creation.len() + constructor_args.len());
        code.extend_from_slice(&self.creation);
        code.extend_from_slice(constructor_args);
        code.into()
    }

    /// keccak256 of the init code, which identifies "this contract with these arguments".
    pub fn init_code_hash(&self, constructor_args: &[u8]) -> B256 {
        keccak256(self.init_code(constructor_args))
    }

    /// Whether `onchain` is this contract's runtime code: byte for byte, except where the
    /// constructor wrote immutables.
    pub fn runtime_matches(&self, onchain: &[u8]) -> bool {
        if onchain.len() != self.runtime.len() {
            return false;
        }
        let mut masked = onchain.to_vec();
        for &(start, len) in &self.immutables {
            if let Some(slot) = masked.get_mut(start..start + len) {
                slot.fill(0);
            }
        }
        masked == self.runtime.as_ref()
    }
}

/// The artifact file for `id` (see [`Artifact::load`]).
fn find(out_dir: &Path, id: ArtifactId) -> Result<PathBuf, ArtifactError> {
    let dir = out_dir.join(id.file);
    let plain = dir.join(format!("{}.json", id.contract));
    if plain.is_file() {
        return Ok(plain);
    }
    let prefix = format!("{}.", id.contract);
    let mut variants: Vec<(Vec<u64>, String)> = std::fs::read_dir(&dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| e.file_name().into_string().ok())
        .filter_map(|name| {
            let middle = name
                .strip_prefix(&prefix)?
                .strip_suffix(".json")?
                .to_string();
            let version = middle
                .split('.')
                .map(str::parse::<u64>)
                .collect::<Result<Vec<_>, _>>();
            Some((version.unwrap_or_default(), name))
        })
        .collect();
    variants.sort();
    match variants.pop() {
        Some((_, name)) => Ok(dir.join(name)),
        None => Err(ArtifactError::Missing {
            id: id.to_string(),
            path: plain,
        }),
    }
}

fn linked(id: ArtifactId, object: BytecodeObject) -> Result<Bytes, ArtifactError> {
    match object {
        BytecodeObject::Bytecode(bytes) => Ok(bytes),
        BytecodeObject::Unlinked(_) => Err(ArtifactError::Unlinked { id: id.to_string() }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn artifact(runtime: &[u8], immutables: Vec<(usize, usize)>) -> Artifact {
        Artifact {
            id: ArtifactId::new("A.sol", "A"),
            creation: Bytes::from_static(&[0x60, 0x00]),
            runtime: Bytes::copy_from_slice(runtime),
            immutables,
        }
    }

    #[test]
    fn runtime_matches_masks_only_immutables() {
        let a = artifact(&[1, 2, 0, 0, 5], vec![(2, 2)]);
        assert!(a.runtime_matches(&[1, 2, 9, 9, 5]));
        assert!(
            !a.runtime_matches(&[1, 3, 9, 9, 5]),
            "a changed byte outside an immutable"
        );
        assert!(!a.runtime_matches(&[1, 2, 9, 9]), "a different length");
        let plain = artifact(&[1, 2, 3], vec![]);
        assert!(plain.runtime_matches(&[1, 2, 3]));
        assert!(!plain.runtime_matches(&[1, 2, 4]));
    }

    #[test]
    fn init_code_appends_arguments() {
        let a = artifact(&[1], vec![]);
        assert_eq!(a.init_code(&[0xaa]).as_ref(), &[0x60, 0x00, 0xaa]);
        assert_ne!(a.init_code_hash(&[0xaa]), a.init_code_hash(&[0xab]));
    }

    #[test]
    fn missing_artifact_names_the_fix() {
        let dir = tempfile::tempdir().unwrap();
        let err = Artifact::load(dir.path(), ArtifactId::new("X.sol", "X")).unwrap_err();
        let msg = err.to_string();
        assert!(
            msg.contains("X.sol:X") && msg.contains("forge build"),
            "{msg}"
        );
    }

    #[test]
    fn picks_the_highest_compiler_version_when_forge_suffixed_the_names() {
        let dir = tempfile::tempdir().unwrap();
        let sub = dir.path().join("M.sol");
        std::fs::create_dir(&sub).unwrap();
        let json = |code: &str| {
            format!(
                r#"{{"abi":[],"bytecode":{{"object":"0x{code}"}},"deployedBytecode":{{"object":"0x{code}"}}}}"#
            )
        };
        std::fs::write(sub.join("M.0.8.19.json"), json("6019")).unwrap();
        std::fs::write(sub.join("M.0.8.30.json"), json("6030")).unwrap();
        std::fs::write(sub.join("Mx.0.8.99.json"), json("6099")).unwrap(); // another contract
        let a = Artifact::load(dir.path(), ArtifactId::new("M.sol", "M")).unwrap();
        assert_eq!(a.creation.as_ref(), &[0x60, 0x30]);
        std::fs::write(sub.join("M.json"), json("6000")).unwrap();
        let a = Artifact::load(dir.path(), ArtifactId::new("M.sol", "M")).unwrap();
        assert_eq!(a.creation.as_ref(), &[0x60, 0x00], "the plain name wins");
    }

    #[test]
    fn reads_a_forge_artifact() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("C.sol")).unwrap();
        let json = r#"{"abi":[],"bytecode":{"object":"0x6001","linkReferences":{}},
            "deployedBytecode":{"object":"0x60aa0000","linkReferences":{},
            "immutableReferences":{"7":[{"start":2,"length":2}]}}}"#;
        std::fs::write(dir.path().join("C.sol/C.json"), json).unwrap();
        let a = Artifact::load(dir.path(), ArtifactId::new("C.sol", "C")).unwrap();
        assert_eq!(a.creation.as_ref(), &[0x60, 0x01]);
        assert_eq!(a.immutables, vec![(2, 2)]);
        assert!(a.runtime_matches(&[0x60, 0xaa, 0x12, 0x34]));
    }
}
