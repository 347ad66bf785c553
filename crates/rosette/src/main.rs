//! The `rosette` command.

fn main() -> std::process::ExitCode {
    rosette::cli::main()
}
