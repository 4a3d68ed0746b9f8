//! Everything the CLI prints for people: tables and the one-line error.
#![allow(clippy::print_stdout, clippy::print_stderr)] // this module is the CLI's output

use crate::deploy::{Outcome, Status, manifest::Manifest};

/// `error: …` on stderr.
pub(crate) fn error_line(line: &str) {
    eprintln!("error: {line}");
}

/// Prints a line on stdout.
pub(crate) fn line(text: &str) {
    println!("{text}");
}

/// The deployment report: contracts, then configuration calls.
pub(crate) fn deployment(outcomes: &[Outcome], manifest: &Manifest) {
    println!("{:<28} {:<42} {:>9}  status", "contract", "address", "code");
    for o in outcomes
        .iter()
        .filter(|o| manifest.contracts.contains_key(o.key) || is_deploy(&o.status))
    {
        let size = manifest
            .contracts
            .get(o.key)
            .map(|c| format!("{} B", group(c.code_size)))
            .unwrap_or_else(|| "-".into());
        let address = o
            .address
            .map(|a| a.to_string())
            .unwrap_or_else(|| "-".into());
        println!("{:<28} {:<42} {:>9}  {}", o.key, address, size, o.status);
    }
    let calls: Vec<&Outcome> = outcomes.iter().filter(|o| is_call(&o.status)).collect();
    if !calls.is_empty() {
        println!("{:<28} {:<42} {:>9}  status", "configuration", "target", "");
        for o in calls {
            let address = o
                .address
                .map(|a| a.to_string())
                .unwrap_or_else(|| "-".into());
            println!("{:<28} {:<42} {:>9}  {}", o.key, address, "", o.status);
        }
    }
}

fn is_deploy(s: &Status) -> bool {
    matches!(s, Status::WouldDeploy(_))
}

fn is_call(s: &Status) -> bool {
    matches!(
        s,
        Status::Called | Status::AlreadyApplied | Status::SkippedExternal | Status::WouldCall
    )
}

/// 24006 → "24,006".
pub(crate) fn group(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::group;

    #[test]
    fn groups_thousands() {
        assert_eq!(group(0), "0");
        assert_eq!(group(999), "999");
        assert_eq!(group(24_006), "24,006");
        assert_eq!(group(1_234_567), "1,234,567");
    }
}
