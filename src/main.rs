//! The `onebalancer` command line (see `onebalancer --help`).

fn main() -> std::process::ExitCode {
    onebalancer::cli::main()
}
