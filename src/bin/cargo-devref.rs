//! `cargo devref`: lints the files that the module trees of the current package's targets reach
//! (see [`devref::cargo`]).

/// The allocator of `devref` (see `src/main.rs`).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    devref::without_huge_pages();
    std::process::exit(devref::cargo::main(std::env::args_os().collect()));
}
