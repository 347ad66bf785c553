//! The `rosette` command.

// The server allocates many small, short-lived values per request (JSON documents, query
// parameters, rows) from several threads; mimalloc serves those from per-thread pages.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    rosette::cli::main()
}
