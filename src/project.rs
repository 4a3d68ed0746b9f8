//! Where things are: the checkout, the tools `script/setup.sh` installed, and forge's build output.
//!
//! Nothing here talks to a chain. The project root is found, in order, from `ONEBALANCER_ROOT`,
//! from the current directory or one of its parents (a folder holding both `foundry.toml` and
//! `script/setup.sh`), and finally from the folder this crate was built in.

use std::{
    env,
    path::{Path, PathBuf},
    process::Command,
};

/// Environment variable that overrides the project root.
pub const ROOT_ENV: &str = "ONEBALANCER_ROOT";
/// Environment variable that overrides the tools folder (as in `script/setup.sh`).
pub const TOOLS_ENV: &str = "ONEBALANCER_TOOLS_DIR";

/// Errors locating the project or running its tools.
#[derive(Debug, thiserror::Error)]
pub enum ProjectError {
    /// No checkout found.
    #[error(
        "cannot find the onebalancer checkout (a folder with foundry.toml and script/setup.sh) from {cwd} — run from inside the repository or set {ROOT_ENV}"
    )]
    RootNotFound {
        /// Directory the search started from.
        cwd: PathBuf,
    },
    /// `ONEBALANCER_ROOT` points somewhere that is not a checkout.
    #[error(
        "{ROOT_ENV}={path} is not an onebalancer checkout (no foundry.toml there) — fix the variable or unset it"
    )]
    BadRootEnv {
        /// The value of the variable.
        path: PathBuf,
    },
    /// A tool that `script/setup.sh` installs is missing.
    #[error("{tool} not found at {path} — run script/setup.sh to install the pinned Foundry tools")]
    ToolMissing {
        /// Tool name.
        tool: &'static str,
        /// Where it was expected.
        path: PathBuf,
    },
    /// `forge build` could not be started.
    #[error("cannot run {path}: {source} — run script/setup.sh")]
    ForgeSpawn {
        /// The forge binary.
        path: PathBuf,
        /// OS error.
        #[source]
        source: std::io::Error,
    },
    /// `forge build` failed.
    #[error(
        "forge build failed in {root} (exit {code:?}): {tail} — fix the compile error, or run script/setup.sh if libraries are missing"
    )]
    ForgeBuild {
        /// Project root.
        root: PathBuf,
        /// Exit code, if any.
        code: Option<i32>,
        /// The last lines forge printed.
        tail: String,
    },
}

/// A located checkout.
#[derive(Debug, Clone)]
pub struct Project {
    root: PathBuf,
    tools: PathBuf,
}

impl Project {
    /// Locates the project (see the module docs for the order).
    pub fn locate() -> Result<Self, ProjectError> {
        if let Some(root) = env::var_os(ROOT_ENV).filter(|v| !v.is_empty()) {
            let root = PathBuf::from(root);
            if !is_checkout(&root) {
                return Err(ProjectError::BadRootEnv { path: root });
            }
            return Ok(Self::at(root));
        }
        let cwd = env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
        if let Some(root) = cwd.ancestors().find(|p| is_checkout(p)) {
            return Ok(Self::at(root.to_path_buf()));
        }
        let built_in = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
        if is_checkout(&built_in) {
            return Ok(Self::at(built_in));
        }
        Err(ProjectError::RootNotFound { cwd })
    }

    /// A project at a known root.
    pub fn at(root: PathBuf) -> Self {
        let tools = env::var_os(TOOLS_ENV)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
            .unwrap_or_else(|| root.join(".tools"));
        Self { root, tools }
    }

    /// The checkout's root folder.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// forge's artifact folder (`out/`).
    pub fn out_dir(&self) -> PathBuf {
        self.root.join("out")
    }

    /// The folder deployment manifests are written to by `script/deploy.rs`.
    pub fn deployments_dir(&self) -> PathBuf {
        self.root.join("deployments")
    }

    /// The installed forge binary.
    pub fn forge(&self) -> Result<PathBuf, ProjectError> {
        self.tool("forge")
    }

    /// The installed anvil binary (the native one, so killing it really stops the chain).
    pub fn anvil(&self) -> Result<PathBuf, ProjectError> {
        self.tool("anvil")
    }

    fn tool(&self, tool: &'static str) -> Result<PathBuf, ProjectError> {
        let path = self.tools.join("bin").join(tool);
        if path.is_file() {
            Ok(path)
        } else {
            Err(ProjectError::ToolMissing { tool, path })
        }
    }

    /// Runs `forge build` so that `out/` matches the sources (a no-op when nothing changed).
    pub fn forge_build(&self) -> Result<(), ProjectError> {
        let forge = self.forge()?;
        let output = Command::new(&forge)
            .arg("build")
            .current_dir(&self.root)
            .output()
            .map_err(|source| ProjectError::ForgeSpawn {
                path: forge.clone(),
                source,
            })?;
        if output.status.success() {
            return Ok(());
        }
        let mut text = String::from_utf8_lossy(&output.stdout).into_owned();
        text.push_str(&String::from_utf8_lossy(&output.stderr));
        let tail: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
        let tail = tail[tail.len().saturating_sub(3)..].join(" | ");
        Err(ProjectError::ForgeBuild {
            root: self.root.clone(),
            code: output.status.code(),
            tail,
        })
    }
}

fn is_checkout(dir: &Path) -> bool {
    dir.join("foundry.toml").is_file() && dir.join("script").join("setup.sh").is_file()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_tool_names_the_fix() {
        let dir = tempfile::tempdir().unwrap();
        let project = Project {
            root: dir.path().to_path_buf(),
            tools: dir.path().join(".tools"),
        };
        let err = project.anvil().unwrap_err().to_string();
        assert!(err.contains("anvil not found at"), "{err}");
        assert!(err.contains("script/setup.sh"), "{err}");
    }

    #[test]
    fn checkout_needs_foundry_toml_and_setup_script() {
        let dir = tempfile::tempdir().unwrap();
        assert!(!is_checkout(dir.path()));
        std::fs::write(dir.path().join("foundry.toml"), "").unwrap();
        assert!(!is_checkout(dir.path()));
        std::fs::create_dir(dir.path().join("script")).unwrap();
        std::fs::write(dir.path().join("script/setup.sh"), "").unwrap();
        assert!(is_checkout(dir.path()));
    }
}
