//! The `benchgate` binary: the command line of the library.

fn main() -> std::process::ExitCode {
    benchgate::cli::main()
}
