//! The solc-js wrappers `script/setup.sh` installs behave like native solc for foundry-compilers as
//! well as for forge: found where forge looks, picked per pragma, they compile forge's exact
//! bytecode; and setup never replaces a compiler that is not its own.

use std::{
    path::{Path, PathBuf},
    process::Command,
};

use foundry_compilers::{resolver::parse::SolData, solc::Solc};
use semver::{Version, VersionReq};
use serde_json::{Value, json};

use crate::support::*;

/// Where forge looks for svm compilers (and where setup installs them).
fn svm_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("ONEBALANCER_SVM_DIR") {
        return dir.into();
    }
    let home = PathBuf::from(std::env::var_os("HOME").unwrap());
    if home.join(".svm").is_dir() {
        return home.join(".svm");
    }
    std::env::var_os("XDG_DATA_HOME")
        .map(PathBuf::from)
        .unwrap_or(home.join(".local/share"))
        .join("svm")
}

/// Installed compilers, as svm lays them out: `<svm>/<version>/solc-<version>`.
fn installed(svm: &Path) -> Vec<(Version, PathBuf)> {
    let mut found: Vec<(Version, PathBuf)> = std::fs::read_dir(svm)
        .unwrap()
        .flatten()
        .filter_map(|e| {
            let version = Version::parse(e.file_name().to_str()?).ok()?;
            let bin = e.path().join(format!("solc-{version}"));
            bin.is_file().then_some((version, bin))
        })
        .collect();
    found.sort();
    found
}

/// The newest installed compiler that satisfies a pragma — forge's choice for a file on its own.
fn pick(svm: &Path, req: &VersionReq) -> Option<(Version, PathBuf)> {
    installed(svm)
        .into_iter()
        .rev()
        .find(|(v, _)| req.matches(v))
}

#[test]
fn foundry_compilers_pick_the_wrappers_per_pragma_and_reproduce_forges_bytecode() {
    let project = built();
    let svm = svm_dir();
    let versions: Vec<String> = installed(&svm).iter().map(|(v, _)| v.to_string()).collect();
    assert!(
        versions.contains(&"0.8.19".into()) && versions.contains(&"0.8.30".into()),
        "{versions:?}"
    );
    let caret = VersionReq::parse("^0.8.12").unwrap();
    assert_eq!(
        pick(&svm, &caret).unwrap().0,
        Version::new(0, 8, 30),
        "newest match wins"
    );

    for (source, artifact) in [
        (
            "lib/chainlink-contracts/src/v0.8/automation/chains/ChainModuleBase.sol",
            "ChainModuleBase.sol/ChainModuleBase.json",
        ),
        ("test/utils/TestERC20.sol", "TestERC20.sol/TestERC20.json"),
    ] {
        let path = project.root().join(source);
        let data = SolData::parse(&std::fs::read_to_string(&path).unwrap(), &path);
        let req = data.version_req.expect("pragma");
        let (version, wrapper) =
            pick(&svm, &req).unwrap_or_else(|| panic!("no compiler for {req}"));

        // foundry-compilers reads the wrapper's `--version` like a native solc's.
        let mut solc = Solc::new(&wrapper).unwrap();
        let v = &solc.version;
        assert_eq!(Version::new(v.major, v.minor, v.patch), version, "{source}");
        assert!(
            v.build.as_str().starts_with("commit."),
            "{source}: build {}",
            v.build
        );
        solc.base_path = Some(project.root().to_path_buf());

        // forge compiled the file with the same compiler; rebuild its exact standard-JSON input from
        // the artifact's metadata and compile it through foundry-compilers.
        let forged: Value = serde_json::from_str(
            &std::fs::read_to_string(project.out_dir().join(artifact)).unwrap(),
        )
        .unwrap();
        let meta = &forged["metadata"];
        let compiler = meta["compiler"]["version"].as_str().unwrap();
        assert!(
            compiler.starts_with(&format!("{version}+")),
            "{source}: forge used {compiler}"
        );
        let mut settings = meta["settings"].clone();
        let target = settings["compilationTarget"].as_object().unwrap().clone();
        let (file, name) = target.iter().next().unwrap();
        let name = name.as_str().unwrap();
        settings
            .as_object_mut()
            .unwrap()
            .remove("compilationTarget");
        settings["outputSelection"] = json!({ "*": { "*": ["evm.bytecode.object"] } });
        let sources: serde_json::Map<String, Value> = meta["sources"]
            .as_object()
            .unwrap()
            .keys()
            .map(|k| {
                let content = std::fs::read_to_string(project.root().join(k)).unwrap();
                (k.clone(), json!({ "content": content }))
            })
            .collect();
        let input = json!({ "language": "Solidity", "sources": sources, "settings": settings });
        let output: Value = solc.compile_as(&input).unwrap();
        let errors: Vec<&Value> = output["errors"]
            .as_array()
            .map(|e| e.iter().filter(|e| e["severity"] == "error").collect())
            .unwrap_or_default();
        assert!(errors.is_empty(), "{source}: {errors:?}");
        let ours = output["contracts"][file][name]["evm"]["bytecode"]["object"]
            .as_str()
            .unwrap();
        let theirs = forged["bytecode"]["object"].as_str().unwrap();
        assert_eq!(
            format!("0x{}", ours.trim_start_matches("0x")),
            theirs,
            "{source}: bytecode differs"
        );
    }
}

#[test]
fn setup_never_replaces_a_compiler_that_is_not_its_own() {
    let svm = tempfile::tempdir().unwrap();
    let native = svm.path().join("0.8.19/solc-0.8.19");
    std::fs::create_dir_all(native.parent().unwrap()).unwrap();
    let content = "#!/bin/sh\necho 'a native solc the user installed'\n";
    std::fs::write(&native, content).unwrap();

    let run = || {
        Command::new("bash")
            .arg(root().join("script/setup.sh"))
            .env("ONEBALANCER_SVM_DIR", svm.path())
            .env("ONEBALANCER_SKIP", "tools,libs")
            .output()
            .unwrap()
    };
    let o = run();
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        std::fs::read_to_string(&native).unwrap(),
        content,
        "the native compiler is untouched"
    );
    let ours = svm.path().join("0.8.30/solc-0.8.30");
    let version = Command::new(&ours).arg("--version").output().unwrap();
    let text = String::from_utf8_lossy(&version.stdout);
    assert!(
        text.starts_with(
            "solc, the solidity compiler commandline interface\nVersion: 0.8.30+commit."
        ),
        "{text}"
    );
    assert!(text.trim_end().ends_with(".Linux.g++"), "{text}");
    let again = run();
    assert!(
        stdout(&again).contains("everything already installed"),
        "{}",
        stdout(&again)
    );
    assert_eq!(std::fs::read_to_string(&native).unwrap(), content);
}
